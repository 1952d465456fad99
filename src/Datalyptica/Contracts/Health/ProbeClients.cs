using System.Net;
using System.Net.Sockets;
using System.Text;
using Datalyptica.Secrets;

namespace Datalyptica.Contracts.Health;

/// <summary>The small clients probes speak: HTTP GET, Redis RESP, ZooKeeper four-letter words, PostgreSQL.</summary>
public static class ProbeClients
{
    // One client for the run; the endpoint is always 127.0.0.1:forwarded-port or the service's own address.
    private static readonly HttpClient Http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromSeconds(30), UseProxy = false })
    { Timeout = System.Threading.Timeout.InfiniteTimeSpan };

    public sealed record HttpAnswer(int Status, string Body);

    /// <summary>
    /// GET PATH. The one place every probe's HTTP answer is read: an answer with the stand-in's signature (its header or
    /// its JSON body, <see cref="StandInSignature"/>) is never judged, it throws <see cref="StandInAnsweredException"/>.
    /// </summary>
    public static async Task<HttpAnswer> GetAsync(IPEndPoint endpoint, string path, CancellationToken cancellation)
    {
        // Connection: close, so the forwarded TCP connection (and the SSH.NET thread that pumps it) ends with the answer.
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://{endpoint}{path}") { Headers = { ConnectionClose = true } };
        using var response = await Http.SendAsync(request, cancellation);
        var body = await response.Content.ReadAsStringAsync(cancellation);
        var header = response.Headers.TryGetValues(StandInSignature.Header, out var values) ? string.Join(" ", values) : null;
        if (StandInSignature.FromHttp(header, body) is { } who) throw new StandInAnsweredException(who, $"GET {path}");
        return new HttpAnswer((int)response.StatusCode, body);
    }

    /// <summary>Sends one four-letter word to ZooKeeper and reads the answer until it closes the connection.</summary>
    public static async Task<string> FourLetterWordAsync(IPEndPoint endpoint, string word, CancellationToken cancellation)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(endpoint, cancellation);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(word), cancellation);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var answer = await reader.ReadToEndAsync(cancellation);
        if (StandInSignature.FromLine(answer) is { } who) throw new StandInAnsweredException(who, $"'{word}'");
        return answer;
    }

    /// <summary>Opens a TCP connection and closes it (through an SSH forward a refused port shows as a closed connection).</summary>
    public static async Task ConnectAsync(IPEndPoint endpoint, CancellationToken cancellation)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(endpoint, cancellation);
    }

    /// <summary>Sends one Kafka request frame and returns the response frame without its size prefix.</summary>
    public static async Task<byte[]> KafkaAsync(IPEndPoint endpoint, byte[] request, CancellationToken cancellation, string what = "a Kafka ApiVersions request")
    {
        using var client = new TcpClient();
        await client.ConnectAsync(endpoint, cancellation);
        var stream = client.GetStream();
        await stream.WriteAsync(request, cancellation);
        var size = new byte[4];
        await stream.ReadExactlyAsync(size, cancellation);
        // A stand-in writes its line instead of a frame ("DATA" would read as a 1.1 GB frame size).
        await StandInSignature.ThrowIfLineAsync(stream, size, what, cancellation);
        var length = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(size);
        // The answers probes ask for are a few hundred bytes; a huge size means the port does not speak Kafka.
        if (length is < 0 or > 1 << 20) throw new InvalidDataException($"not a Kafka response (frame size {length})");
        var frame = new byte[length];
        await stream.ReadExactlyAsync(frame, cancellation);
        return frame;
    }

    /// <summary>
    /// Runs Redis commands on one connection (AUTH first when a password is given) and returns each reply. A tiny RESP
    /// client on purpose: a probe sends two or three commands to one server, which a multiplexer (with its own discovery,
    /// reconnects and background traffic) would only blur.
    /// </summary>
    public static async Task<IReadOnlyList<RespValue>> RedisAsync(IPEndPoint endpoint, Secret? password, IEnumerable<string[]> commands, CancellationToken cancellation)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(endpoint, cancellation);
        var stream = client.GetStream();
        var all = commands.ToList();
        if (password is not null) all.Insert(0, ["AUTH", password.Reveal()]);
        var request = new StringBuilder();
        foreach (var command in all)
        {
            request.Append('*').Append(command.Length).Append("\r\n");
            foreach (var part in command) request.Append('$').Append(Encoding.UTF8.GetByteCount(part)).Append("\r\n").Append(part).Append("\r\n");
        }
        await stream.WriteAsync(Encoding.UTF8.GetBytes(request.ToString()), cancellation);
        var reader = new RespReader(stream);
        var replies = new List<RespValue>();
        for (var i = 0; i < all.Count; i++) replies.Add(await reader.ReadAsync(cancellation));
        if (password is not null)
        {
            if (replies[0].IsError) throw new InvalidOperationException($"AUTH refused: {replies[0].Text}");
            replies.RemoveAt(0);
        }
        return replies;
    }
}

/// <summary>A RESP reply: a string (simple or bulk), an error, an integer, an array, or null.</summary>
public sealed record RespValue(string? Text, long? Integer = null, IReadOnlyList<RespValue>? Items = null, bool IsError = false)
{
    public override string ToString() => IsError ? $"error {Text}" : Items is not null ? $"[{string.Join(", ", Items)}]" : Integer?.ToString() ?? Text ?? "(nil)";
}

/// <summary>Reads RESP2 replies from a stream.</summary>
public sealed class RespReader(Stream stream)
{
    private readonly byte[] _buffer = new byte[8192];
    private int _start, _end;

    public async Task<RespValue> ReadAsync(CancellationToken cancellation)
    {
        var line = await ReadLineAsync(cancellation);
        if (line.Length == 0) throw new InvalidDataException("empty RESP line");
        var rest = line[1..];
        switch (line[0])
        {
            case '+': return new RespValue(rest);
            case '-': return new RespValue(rest, IsError: true);
            case ':': return new RespValue(null, long.Parse(rest, System.Globalization.CultureInfo.InvariantCulture));
            case '$':
                var length = int.Parse(rest, System.Globalization.CultureInfo.InvariantCulture);
                if (length < 0) return new RespValue(null);
                var bytes = await ReadExactAsync(length + 2, cancellation);
                return new RespValue(Encoding.UTF8.GetString(bytes, 0, length));
            case '*':
                var count = int.Parse(rest, System.Globalization.CultureInfo.InvariantCulture);
                if (count < 0) return new RespValue(null);
                var items = new List<RespValue>(count);
                for (var i = 0; i < count; i++) items.Add(await ReadAsync(cancellation));
                return new RespValue(null, Items: items);
            default:
                if (StandInSignature.FromLine(line) is { } who) throw new StandInAnsweredException(who, "a Redis command");
                throw new InvalidDataException($"not a RESP reply: {line}");
        }
    }

    private async Task<string> ReadLineAsync(CancellationToken cancellation)
    {
        var sb = new StringBuilder();
        while (true)
        {
            if (_start == _end) await FillAsync(cancellation);
            var b = (char)_buffer[_start++];
            if (b == '\n') return sb.ToString().TrimEnd('\r');
            sb.Append(b);
        }
    }

    private async Task<byte[]> ReadExactAsync(int count, CancellationToken cancellation)
    {
        var result = new byte[count];
        var filled = 0;
        while (filled < count)
        {
            if (_start == _end) await FillAsync(cancellation);
            var n = Math.Min(count - filled, _end - _start);
            Array.Copy(_buffer, _start, result, filled, n);
            _start += n;
            filled += n;
        }
        return result;
    }

    private async Task FillAsync(CancellationToken cancellation)
    {
        _start = 0;
        _end = await stream.ReadAsync(_buffer, cancellation);
        if (_end == 0) throw new EndOfStreamException("the server closed the connection");
    }
}
