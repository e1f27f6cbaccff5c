using System.Globalization;

namespace PlainYarp;

/// <summary>
/// The process's cumulative allocated bytes and CPU time in the Prometheus text format, under the names the gateway's
/// <c>/metrics</c> gives the same .NET runtime counters (<c>System.Runtime</c> meter: <c>dotnet.gc.heap.total_allocated</c>,
/// <c>dotnet.process.cpu.time</c>), so the load runner reads both proxies the same way.
/// </summary>
internal static class ProcessStats
{
    public const string Path = "/_baseline/metrics";

    public static Task Write(HttpContext context)
    {
        var cpu = Environment.CpuUsage;
        var text = string.Create(CultureInfo.InvariantCulture,
            $"dotnet_gc_heap_total_allocated_bytes_total {GC.GetTotalAllocatedBytes()}\n" +
            $"dotnet_process_cpu_time_seconds_total{{cpu_mode=\"user\"}} {cpu.UserTime.TotalSeconds}\n" +
            $"dotnet_process_cpu_time_seconds_total{{cpu_mode=\"system\"}} {cpu.PrivilegedTime.TotalSeconds}\n");
        context.Response.ContentType = "text/plain; version=0.0.4";
        return context.Response.WriteAsync(text, context.RequestAborted);
    }
}
