using System.Net;
using System.Net.Sockets;

namespace Gateway.Testing;

/// <summary>Hands out free TCP ports on 127.0.0.1.</summary>
public static class FreePort
{
    private static readonly HashSet<int> Handed = [];
    private static readonly Lock Gate = new();

    /// <summary>A loopback port that is free now and has not been handed out before by this process.</summary>
    public static int Next()
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            lock (Gate)
            {
                if (Handed.Add(port))
                {
                    return port;
                }
            }
        }

        throw new InvalidOperationException("Could not find a free loopback port in 50 attempts.");
    }

    /// <summary>
    /// A port such that it and the <paramref name="following"/> ports after it are free now and none was handed out
    /// before by this process: for scripts that use PORT+1…PORT+N (run.sh --instances N).
    /// </summary>
    public static int NextBlock(int following)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(following);
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var first = Next();
            if (first + following > IPEndPoint.MaxPort)
            {
                continue;
            }

            var listeners = new List<TcpListener>();
            try
            {
                var free = true;
                for (var port = first + 1; port <= first + following && free; port++)
                {
                    var listener = new TcpListener(IPAddress.Loopback, port);
                    try
                    {
                        listener.Start();
                        listeners.Add(listener);
                    }
                    catch (SocketException)
                    {
                        free = false;
                    }
                }

                lock (Gate)
                {
                    if (free && Enumerable.Range(first + 1, following).All(Handed.Add))
                    {
                        return first;
                    }
                }
            }
            finally
            {
                foreach (var listener in listeners)
                {
                    listener.Stop();
                }
            }
        }

        throw new InvalidOperationException($"Could not find {following + 1} consecutive free loopback ports in 50 attempts.");
    }
}
