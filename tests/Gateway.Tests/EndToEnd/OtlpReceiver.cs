using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Gateway.Tests.EndToEnd;

/// <summary>
/// A real OTLP/HTTP trace receiver on a free loopback port: accepts <c>POST /v1/traces</c> with
/// <c>application/x-protobuf</c> (an <c>ExportTraceServiceRequest</c>), decodes it with a minimal protobuf wire-format
/// reader (<see cref="OtlpTraceDecoder"/>) and keeps every span. Exporters point at it with
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT=</c><see cref="Endpoint"/> and <c>OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf</c>.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private LoopbackApp? _app;

    private OtlpReceiver()
    {
    }

    public Uri Endpoint => new($"http://127.0.0.1:{_app!.Port}");

    public ConcurrentQueue<OtlpSpan> Spans { get; } = new();

    /// <summary>Export requests received (each decoded).</summary>
    public int Requests => _requests;

    private int _requests;

    public static async Task<OtlpReceiver> StartAsync()
    {
        var receiver = new OtlpReceiver();
        receiver._app = await LoopbackApp.StartAsync(app => app.MapPost("/v1/traces", async (HttpContext context) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            foreach (var span in OtlpTraceDecoder.Decode(body.ToArray()))
            {
                receiver.Spans.Enqueue(span);
            }

            Interlocked.Increment(ref receiver._requests);
            context.Response.ContentType = "application/x-protobuf";
        }));
        return receiver;
    }

    /// <summary>Waits (bounded) until <paramref name="done"/> holds for the spans received so far.</summary>
    public async Task<IReadOnlyList<OtlpSpan>> WaitForAsync(Func<IReadOnlyList<OtlpSpan>, bool> done, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var spans = Spans.ToArray();
            if (done(spans) || DateTime.UtcNow >= deadline)
            {
                return spans;
            }

            await Task.Delay(100);
        }
    }

    public ValueTask DisposeAsync() => _app?.DisposeAsync() ?? ValueTask.CompletedTask;
}

/// <summary>One decoded span: ids as lowercase hex, the exporting service's name, and string/int/bool attributes.</summary>
public sealed record OtlpSpan(string Service, string Scope, string TraceId, string SpanId, string ParentSpanId, string Name, int Kind, IReadOnlyDictionary<string, string> Attributes)
{
    public override string ToString() => $"{Service}/{Scope} {Name} trace={TraceId} span={SpanId} parent={ParentSpanId} [{string.Join(", ", Attributes.Select(a => $"{a.Key}={a.Value}"))}]";
}

/// <summary>
/// Decodes an OTLP <c>ExportTraceServiceRequest</c> with the protobuf wire format only (varints and length-delimited
/// fields): ResourceSpans(1) → Resource(1).attributes(1) / ScopeSpans(2) → scope(1).name(1) / Span(2) → trace_id(1),
/// span_id(2), parent_span_id(4), name(5), kind(6), attributes(9) as KeyValue(key 1, AnyValue 2: string 1, bool 2,
/// int 3, double 4, array 5). Unknown fields are skipped by wire type.
/// </summary>
public static class OtlpTraceDecoder
{
    public static IReadOnlyList<OtlpSpan> Decode(ReadOnlySpan<byte> request)
    {
        var spans = new List<OtlpSpan>();
        var reader = new Reader(request);
        while (reader.Next(out var field, out var wire))
        {
            if (field == 1 && wire == 2)
            {
                DecodeResourceSpans(reader.Bytes(), spans);
            }
            else
            {
                reader.Skip(wire);
            }
        }

        return spans;
    }

    private static void DecodeResourceSpans(ReadOnlySpan<byte> data, List<OtlpSpan> spans)
    {
        var service = string.Empty;
        var scopeSpans = new List<byte[]>();
        var reader = new Reader(data);
        while (reader.Next(out var field, out var wire))
        {
            switch (field, wire)
            {
                case (1, 2):
                    var resource = new Reader(reader.Bytes());
                    while (resource.Next(out var f, out var w))
                    {
                        if (f == 1 && w == 2)
                        {
                            var (key, value) = KeyValue(resource.Bytes());
                            if (key == "service.name")
                            {
                                service = value;
                            }
                        }
                        else
                        {
                            resource.Skip(w);
                        }
                    }

                    break;
                case (2, 2):
                    scopeSpans.Add(reader.Bytes().ToArray());
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }

        foreach (var scope in scopeSpans)
        {
            DecodeScopeSpans(scope, service, spans);
        }
    }

    private static void DecodeScopeSpans(ReadOnlySpan<byte> data, string service, List<OtlpSpan> spans)
    {
        var scopeName = string.Empty;
        var raw = new List<byte[]>();
        var reader = new Reader(data);
        while (reader.Next(out var field, out var wire))
        {
            switch (field, wire)
            {
                case (1, 2):
                    var scope = new Reader(reader.Bytes());
                    while (scope.Next(out var f, out var w))
                    {
                        if (f == 1 && w == 2)
                        {
                            scopeName = Encoding.UTF8.GetString(scope.Bytes());
                        }
                        else
                        {
                            scope.Skip(w);
                        }
                    }

                    break;
                case (2, 2):
                    raw.Add(reader.Bytes().ToArray());
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }

        foreach (var span in raw)
        {
            spans.Add(DecodeSpan(span, service, scopeName));
        }
    }

    private static OtlpSpan DecodeSpan(ReadOnlySpan<byte> data, string service, string scope)
    {
        string traceId = string.Empty, spanId = string.Empty, parent = string.Empty, name = string.Empty;
        var kind = 0;
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        var reader = new Reader(data);
        while (reader.Next(out var field, out var wire))
        {
            switch (field, wire)
            {
                case (1, 2): traceId = Convert.ToHexStringLower(reader.Bytes()); break;
                case (2, 2): spanId = Convert.ToHexStringLower(reader.Bytes()); break;
                case (4, 2): parent = Convert.ToHexStringLower(reader.Bytes()); break;
                case (5, 2): name = Encoding.UTF8.GetString(reader.Bytes()); break;
                case (6, 0): kind = (int)reader.Varint(); break;
                case (9, 2):
                    var (key, value) = KeyValue(reader.Bytes());
                    attributes[key] = value;
                    break;
                default: reader.Skip(wire); break;
            }
        }

        return new OtlpSpan(service, scope, traceId, spanId, parent, name, kind, attributes);
    }

    private static (string Key, string Value) KeyValue(ReadOnlySpan<byte> data)
    {
        string key = string.Empty, value = string.Empty;
        var reader = new Reader(data);
        while (reader.Next(out var field, out var wire))
        {
            if (field == 1 && wire == 2)
            {
                key = Encoding.UTF8.GetString(reader.Bytes());
            }
            else if (field == 2 && wire == 2)
            {
                value = AnyValue(reader.Bytes());
            }
            else
            {
                reader.Skip(wire);
            }
        }

        return (key, value);
    }

    private static string AnyValue(ReadOnlySpan<byte> data)
    {
        var reader = new Reader(data);
        var values = new List<string>();
        while (reader.Next(out var field, out var wire))
        {
            switch (field, wire)
            {
                case (1, 2): values.Add(Encoding.UTF8.GetString(reader.Bytes())); break;
                case (2, 0): values.Add(reader.Varint() != 0 ? "true" : "false"); break;
                case (3, 0): values.Add(((long)reader.Varint()).ToString(System.Globalization.CultureInfo.InvariantCulture)); break;
                case (4, 1): values.Add(BitConverter.Int64BitsToDouble((long)reader.Fixed64()).ToString(System.Globalization.CultureInfo.InvariantCulture)); break;
                case (5, 2):
                    // ArrayValue: repeated AnyValue values = 1
                    var array = new Reader(reader.Bytes());
                    var items = new List<string>();
                    while (array.Next(out var f, out var w))
                    {
                        if (f == 1 && w == 2)
                        {
                            items.Add(AnyValue(array.Bytes()));
                        }
                        else
                        {
                            array.Skip(w);
                        }
                    }

                    values.Add(string.Join(",", items));
                    break;
                default: reader.Skip(wire); break;
            }
        }

        return string.Join(",", values);
    }

    private ref struct Reader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _position;

        public bool Next(out int field, out int wire)
        {
            if (_position >= _data.Length)
            {
                field = wire = 0;
                return false;
            }

            var tag = Varint();
            field = (int)(tag >> 3);
            wire = (int)(tag & 7);
            return true;
        }

        public ulong Varint()
        {
            ulong result = 0;
            for (var shift = 0; shift < 64; shift += 7)
            {
                var b = _data[_position++];
                result |= (ulong)(b & 0x7F) << shift;
                if ((b & 0x80) == 0)
                {
                    return result;
                }
            }

            throw new InvalidDataException("Malformed varint.");
        }

        public ulong Fixed64()
        {
            var value = BitConverter.ToUInt64(_data.Slice(_position, 8));
            _position += 8;
            return value;
        }

        public ReadOnlySpan<byte> Bytes()
        {
            var length = checked((int)Varint());
            var bytes = _data.Slice(_position, length);
            _position += length;
            return bytes;
        }

        public void Skip(int wire)
        {
            switch (wire)
            {
                case 0: Varint(); break;
                case 1: _position += 8; break;
                case 2: Bytes(); break;
                case 5: _position += 4; break;
                default: throw new InvalidDataException($"Unsupported wire type {wire}.");
            }
        }
    }
}
