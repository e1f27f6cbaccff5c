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

    private static long s_tenantContextBytes;

    /// <summary>
    /// The trivial backend notes the length of the last <c>X-Tenant-Context</c> it received (the gateway's envelope), served
    /// as <c>baseline_tenant_context_header_bytes</c>: the overhead scenario sizes plain YARP's constant header from it.
    /// </summary>
    public static void SawTenantContext(Microsoft.Extensions.Primitives.StringValues value)
    {
        if (value.Count == 1 && value[0] is { Length: > 0 } header && header.Length != Volatile.Read(ref s_tenantContextBytes))
        {
            Volatile.Write(ref s_tenantContextBytes, header.Length);
        }
    }

    public static Task Write(HttpContext context)
    {
        var cpu = Environment.CpuUsage;
        var text = string.Create(CultureInfo.InvariantCulture,
            $"dotnet_gc_heap_total_allocated_bytes_total {GC.GetTotalAllocatedBytes()}\n" +
            $"dotnet_process_cpu_time_seconds_total{{cpu_mode=\"user\"}} {cpu.UserTime.TotalSeconds}\n" +
            $"dotnet_process_cpu_time_seconds_total{{cpu_mode=\"system\"}} {cpu.PrivilegedTime.TotalSeconds}\n" +
            $"baseline_tenant_context_header_bytes {Volatile.Read(ref s_tenantContextBytes)}\n");
        context.Response.ContentType = "text/plain; version=0.0.4";
        return context.Response.WriteAsync(text, context.RequestAborted);
    }
}
