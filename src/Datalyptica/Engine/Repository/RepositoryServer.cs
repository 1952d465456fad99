using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Datalyptica.Contracts;

namespace Datalyptica.Engine.Repository;

/// <summary>
/// A small static HTTP/1.1 file server (GET and HEAD) for the offline repository: what apt and the artifact
/// step fetch from the control node. It binds only the one address it is given (the lab bridge or loopback;
/// a wildcard address is refused, so the repository never leaks onto other networks), serves only regular
/// files below its root, ignores "." segments, refuses any segment that is ".." or starts with '.' (the build keeps its
/// private apt state in DIR/.apt), and never follows a symbolic link out of the root.
/// Persistent connections and pipelining are supported because apt pipelines its requests; Range is not.
/// ASP.NET is not available here, and HttpListener binds by URL prefix (host names, wildcards), which makes
/// "this one address only" harder to state and test; a TcpListener binds exactly one IP endpoint.
/// </summary>
public sealed class RepositoryServer : IAsyncDisposable
{
    private const int MaxLineBytes = 8 * 1024;
    private const int MaxHeaders = 100;
    private const int MaxConnections = 128;
    private static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(30);

    private readonly string _root;
    private readonly IReadOnlyDictionary<string, byte[]?> _generated;
    private readonly DateTime _started = TruncateToSeconds(DateTime.UtcNow);
    private readonly TcpListener _listener;
    private readonly Action<string> _log;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _slots = new(MaxConnections);
    private readonly Task _acceptLoop;
    private int _connections;

    public IPEndPoint Endpoint { get; }

    /// <summary>The base URL hosts use: http://ADDR:PORT/ (IPv6 in brackets).</summary>
    public string BaseUrl => $"http://{Endpoints.Format(Endpoint)}/";

    private RepositoryServer(string root, IPEndPoint endpoint, Action<string> log, IReadOnlyDictionary<string, byte[]?> generated)
    {
        _root = root;
        _generated = generated;
        _log = log;
        _listener = new TcpListener(endpoint);
        // Exclusive: a second server (or another process) on the same port fails loudly instead of sharing it.
        _listener.ExclusiveAddressUse = true;
        try { _listener.Start(); }
        catch (SocketException e)
        {
            throw new InvalidOperationException(
                $"cannot listen on {Endpoints.Format(endpoint)}: {e.Message}. Fix: use an address this machine has " +
                "(the lab bridge address or 127.0.0.1) and a free port.", e);
        }
        Endpoint = (IPEndPoint)_listener.LocalEndpoint;
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>
    /// Starts serving <paramref name="root"/> on <paramref name="endpoint"/> (port 0 picks a free port).
    /// <paramref name="generated"/> answers some paths below the root from memory instead of the folder (a null value: 404),
    /// as the signed Release does (<see cref="ServedRelease"/>).
    /// </summary>
    public static RepositoryServer Start(string root, IPEndPoint endpoint, Action<string>? log = null,
        IReadOnlyDictionary<string, byte[]?>? generated = null)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(endpoint);
        if (endpoint.Address.Equals(IPAddress.Any) || endpoint.Address.Equals(IPAddress.IPv6Any))
            throw new ArgumentException(
                $"refusing to serve the repository on every interface ({Endpoints.Format(endpoint)}). Fix: give the one " +
                "address hosts reach it on, for example the lab bridge address or 127.0.0.1.", nameof(endpoint));
        var full = Path.GetFullPath(root);
        if (!Directory.Exists(full))
            throw new DirectoryNotFoundException($"repository folder '{full}' does not exist. Fix: run `datalyptica repo build --out {root}` first.");
        return new RepositoryServer(full.TrimEnd('/'), endpoint, log ?? (_ => { }), generated ?? new Dictionary<string, byte[]?>());
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (OperationCanceledException) { return; }
            catch (ObjectDisposedException) { return; }
            catch (SocketException) when (_stop.IsCancellationRequested) { return; }
            catch (SocketException) { continue; }
            if (!await _slots.WaitAsync(TimeSpan.FromSeconds(5)))
            {
                // Too many open connections: drop this one rather than queue without bound.
                client.Dispose();
                continue;
            }
            Interlocked.Increment(ref _connections);
            _ = Task.Run(async () =>
            {
                try { await ServeConnectionAsync(client); }
                catch { /* a broken connection must not stop the server */ }
                finally
                {
                    client.Dispose();
                    Interlocked.Decrement(ref _connections);
                    _slots.Release();
                }
            });
        }
    }

    private async Task ServeConnectionAsync(TcpClient client)
    {
        var remote = client.Client.RemoteEndPoint is IPEndPoint r ? Endpoints.Format(r) : "?";
        client.NoDelay = true;
        await using var stream = client.GetStream();
        var reader = new RequestReader(stream);
        while (!_stop.IsCancellationRequested)
        {
            using var idle = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            idle.CancelAfter(IdleTimeout);
            Request? request;
            try { request = await reader.ReadRequestAsync(idle.Token); }
            catch (OperationCanceledException) { return; }
            catch (BadRequestException e)
            {
                await WriteSimpleAsync(stream, 400, "Bad Request", e.Message, head: false, keepAlive: false);
                Log(remote, "-", "-", 400, 0);
                return;
            }
            if (request is null) return; // the client closed the connection
            var keepAlive = request.KeepAlive && !_stop.IsCancellationRequested;
            var (status, bytes) = await RespondAsync(stream, request, keepAlive);
            Log(remote, request.Method, request.Target, status, bytes);
            if (!keepAlive) return;
        }
    }

    private async Task<(int Status, long Bytes)> RespondAsync(Stream stream, Request request, bool keepAlive)
    {
        var head = request.Method == "HEAD";
        if (request.Method is not ("GET" or "HEAD"))
        {
            await WriteSimpleAsync(stream, 405, "Method Not Allowed", "only GET and HEAD", head: false, keepAlive, "Allow: GET, HEAD\r\n");
            return (405, 0);
        }
        if (RelativePath(request.Target) is { } relative && _generated.TryGetValue(relative, out var generated))
        {
            if (generated is null)
            {
                await WriteSimpleAsync(stream, 404, "Not Found", "not found", head, keepAlive);
                return (404, 0);
            }
            if (request.IfModifiedSince is { } generatedSince && _started <= generatedSince)
            {
                await WriteHeaderAsync(stream, 304, "Not Modified", null, null, _started, keepAlive);
                return (304, 0);
            }
            await WriteHeaderAsync(stream, 200, "OK", ContentType(relative), generated.Length, _started, keepAlive, body: head ? null : generated);
            return (200, head ? 0 : generated.Length);
        }
        var file = Resolve(request.Target);
        if (file is null)
        {
            await WriteSimpleAsync(stream, 404, "Not Found", "not found", head, keepAlive);
            return (404, 0);
        }
        var info = new FileInfo(file);
        var modified = TruncateToSeconds(info.LastWriteTimeUtc);
        if (request.IfModifiedSince is { } since && modified <= since)
        {
            await WriteHeaderAsync(stream, 304, "Not Modified", null, null, modified, keepAlive);
            return (304, 0);
        }
        FileStream content;
        try { content = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous | FileOptions.SequentialScan); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await WriteSimpleAsync(stream, 404, "Not Found", "not found", head, keepAlive);
            return (404, 0);
        }
        await using (content)
        {
            // Length from the open handle, so header and body agree even if the file is being replaced.
            var length = content.Length;
            await WriteHeaderAsync(stream, 200, "OK", ContentType(file), length, modified, keepAlive);
            if (head) return (200, 0);
            await CopyExactlyAsync(content, stream, length);
            return (200, length);
        }
    }

    /// <summary>
    /// Maps a request target to a regular file below the root, or null. Percent-decoding happens once, before
    /// the segment checks, so "%2e%2e" is caught as ".."; a doubly encoded "%252e" decodes to a literal name
    /// "%2e" that is simply not found.
    /// </summary>
    internal string? Resolve(string target)
    {
        if (RelativePath(target) is not { } relative) return null;
        var full = Path.GetFullPath(Path.Combine(_root, relative));
        if (!IsBelowRoot(full)) return null;
        var info = new FileInfo(full);
        if (!info.Exists) return null;
        if (info.LinkTarget is not null)
        {
            // A link may point anywhere: serve it only if what it finally points to is below the root too.
            var final = info.ResolveLinkTarget(returnFinalTarget: true);
            if (final is null || !final.Exists || final is not FileInfo || !IsBelowRoot(Path.GetFullPath(final.FullName))) return null;
        }
        // A link anywhere in the parents could still lead out: compare the real path of the parent folder.
        var parent = info.Directory!;
        for (var d = parent; d is not null && d.FullName.Length > _root.Length; d = d.Parent)
            if (d.LinkTarget is not null) return null;
        return full;
    }

    /// <summary>The request target as a path below the root ("a/b"), or null when it is not one we serve.</summary>
    private static string? RelativePath(string target)
    {
        if (target.Length == 0 || target[0] != '/') return null; // only origin-form; no absolute URLs
        var path = target;
        var query = path.IndexOfAny(['?', '#']);
        if (query >= 0) path = path[..query];
        string decoded;
        try { decoded = Uri.UnescapeDataString(path); }
        catch (UriFormatException) { return null; }
        if (decoded.Contains('\0') || decoded.Contains('\\')) return null;
        // "." is harmless and apt asks for it ("deb URL ./" fetches /./InRelease); ".." and hidden names are refused.
        var segments = decoded.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(s => s != ".").ToArray();
        if (segments.Length == 0) return null;
        if (segments.Any(s => s.StartsWith('.'))) return null; // ".." and hidden files (.apt state, partial downloads)
        return string.Join('/', segments);
    }

    private bool IsBelowRoot(string full) => full.StartsWith(_root + "/", StringComparison.Ordinal);

    private static DateTime TruncateToSeconds(DateTime utc) => new(utc.Ticks - utc.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);

    private static string ContentType(string file) => Path.GetFileName(file) switch
    {
        "Packages" or "Release" or "SHA512SUMS" => "text/plain; charset=utf-8",
        var n when n.EndsWith(".json", StringComparison.Ordinal) => "application/json",
        var n when n.EndsWith(".gz", StringComparison.Ordinal) => "application/gzip",
        var n when n.EndsWith(".deb", StringComparison.Ordinal) => "application/vnd.debian.binary-package",
        _ => "application/octet-stream",
    };

    private static async Task CopyExactlyAsync(Stream from, Stream to, long length)
    {
        var buffer = new byte[81920];
        var left = length;
        while (left > 0)
        {
            var read = await from.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, left)));
            if (read == 0) throw new IOException("file shrank while being sent");
            await to.WriteAsync(buffer.AsMemory(0, read));
            left -= read;
        }
    }

    private static Task WriteSimpleAsync(Stream stream, int status, string reason, string body, bool head, bool keepAlive, string extra = "")
    {
        var bytes = Encoding.UTF8.GetBytes(body + "\n");
        return WriteHeaderAsync(stream, status, reason, "text/plain; charset=utf-8", bytes.Length, null, keepAlive, extra, head ? null : bytes);
    }

    private static async Task WriteHeaderAsync(Stream stream, int status, string reason, string? type, long? length,
        DateTime? modified, bool keepAlive, string extra = "", byte[]? body = null)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"HTTP/1.1 {status} {reason}\r\n");
        sb.Append("Server: datalyptica-repo\r\n");
        sb.Append(CultureInfo.InvariantCulture, $"Date: {DateTime.UtcNow:R}\r\n");
        if (type is not null) sb.Append(CultureInfo.InvariantCulture, $"Content-Type: {type}\r\n");
        if (length is not null) sb.Append(CultureInfo.InvariantCulture, $"Content-Length: {length}\r\n");
        if (modified is not null) sb.Append(CultureInfo.InvariantCulture, $"Last-Modified: {modified:R}\r\n");
        sb.Append(extra);
        sb.Append(keepAlive ? "Connection: keep-alive\r\n" : "Connection: close\r\n");
        sb.Append("\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(sb.ToString()));
        if (body is not null) await stream.WriteAsync(body);
        await stream.FlushAsync();
    }

    private void Log(string remote, string method, string target, int status, long bytes)
    {
        // Request targets come from the network: keep the log line on one line and printable.
        var safe = new string(target.Select(c => char.IsControl(c) ? '?' : c).ToArray());
        if (safe.Length > 300) safe = safe[..300] + "...";
        _log($"{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ} {remote} \"{method} {safe}\" {status} {bytes}");
    }

    /// <summary>Stops accepting, closes open connections, and waits (bounded) for them to finish.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested) return;
        _stop.Cancel();
        _listener.Stop();
        try { await _acceptLoop.WaitAsync(TimeSpan.FromSeconds(5)); } catch { /* already reported or timed out */ }
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (Volatile.Read(ref _connections) > 0 && DateTime.UtcNow < deadline) await Task.Delay(20);
        _stop.Dispose();
    }

    /// <summary>A parsed request line and the headers the server uses.</summary>
    private sealed record Request(string Method, string Target, bool KeepAlive, DateTime? IfModifiedSince);

    private sealed class BadRequestException(string message) : Exception(message);

    /// <summary>Reads requests one after another from a connection; bytes of a pipelined next request stay buffered.</summary>
    private sealed class RequestReader(Stream stream)
    {
        private readonly byte[] _buffer = new byte[16 * 1024];
        private int _start, _end;

        public async Task<Request?> ReadRequestAsync(CancellationToken cancellation)
        {
            string? line;
            // Tolerate empty lines before a request (RFC 9112 2.2).
            do { line = await ReadLineAsync(cancellation); if (line is null) return null; } while (line.Length == 0);
            var parts = line.Split(' ');
            if (parts.Length != 3 || !parts[2].StartsWith("HTTP/1.", StringComparison.Ordinal))
                throw new BadRequestException("malformed request line");
            var http10 = parts[2] == "HTTP/1.0";
            var keepAlive = !http10;
            DateTime? ifModifiedSince = null;
            for (var count = 0; ; count++)
            {
                if (count > MaxHeaders) throw new BadRequestException("too many headers");
                var header = await ReadLineAsync(cancellation) ?? throw new BadRequestException("connection closed in headers");
                if (header.Length == 0) break;
                var colon = header.IndexOf(':');
                if (colon <= 0) throw new BadRequestException("malformed header");
                var name = header[..colon].Trim();
                var value = header[(colon + 1)..].Trim();
                if (name.Equals("Connection", StringComparison.OrdinalIgnoreCase))
                {
                    if (value.Contains("close", StringComparison.OrdinalIgnoreCase)) keepAlive = false;
                    else if (value.Contains("keep-alive", StringComparison.OrdinalIgnoreCase)) keepAlive = true;
                }
                else if (name.Equals("If-Modified-Since", StringComparison.OrdinalIgnoreCase) &&
                         DateTime.TryParseExact(value, "R", CultureInfo.InvariantCulture,
                             DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var since))
                    ifModifiedSince = since;
                else if ((name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) && value != "0") ||
                         name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
                    throw new BadRequestException("request bodies are not accepted");
            }
            return new Request(parts[0], parts[1], keepAlive, ifModifiedSince);
        }

        private async Task<string?> ReadLineAsync(CancellationToken cancellation)
        {
            while (true)
            {
                var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
                if (newline >= 0)
                {
                    var length = newline - _start;
                    if (length > 0 && _buffer[newline - 1] == '\r') length--;
                    var text = Encoding.Latin1.GetString(_buffer, _start, length);
                    _start = newline + 1;
                    return text;
                }
                if (_end - _start >= MaxLineBytes) throw new BadRequestException("line too long");
                if (_start > 0)
                {
                    Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                    _end -= _start;
                    _start = 0;
                }
                var read = await stream.ReadAsync(_buffer.AsMemory(_end), cancellation);
                if (read == 0)
                {
                    if (_end == _start) return null;
                    throw new BadRequestException("connection closed mid-line");
                }
                _end += read;
            }
        }
    }
}
