using System.Buffers.Binary;
using System.Text;

namespace Datalyptica.Cli.Daemon;

/// <summary>
/// The client/daemon wire format on the Unix socket: frames of [kind byte][int32 length][payload]. The client sends one
/// request frame; the daemon answers with output frames and ends with an exit frame. Nothing else crosses the socket.
/// </summary>
internal static class DaemonProtocol
{
    public const byte Run = (byte)'R', Status = (byte)'S', Stop = (byte)'Q';
    public const byte Stdout = 1, Stderr = 2, Exit = 3;
    private const int Version = 2;

    public static void WriteFrame(Stream stream, byte kind, ReadOnlySpan<byte> payload)
    {
        // One write per frame: a peer that answered and closed first must not see a second (even empty) write.
        var frame = new byte[5 + payload.Length];
        frame[0] = kind;
        BinaryPrimitives.WriteInt32LittleEndian(frame.AsSpan(1), payload.Length);
        payload.CopyTo(frame.AsSpan(5));
        stream.Write(frame);
    }

    /// <summary>The next frame, or null at end of stream.</summary>
    public static (byte Kind, byte[] Payload)? ReadFrame(Stream stream)
    {
        Span<byte> header = stackalloc byte[5];
        if (!ReadExactly(stream, header)) return null;
        var length = BinaryPrimitives.ReadInt32LittleEndian(header[1..]);
        if (length is < 0 or > 64 << 20) throw new InvalidDataException($"daemon frame of {length} bytes");
        var payload = new byte[length];
        return ReadExactly(stream, payload) ? (header[0], payload) : null;
    }

    private static bool ReadExactly(Stream stream, Span<byte> buffer)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = stream.Read(buffer[read..]);
            if (n == 0) return false;
            read += n;
        }
        return true;
    }

    public static byte[] ExitPayload(int code)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, code);
        return bytes;
    }

    public static int ExitCodeOf(byte[] payload) => BinaryPrimitives.ReadInt32LittleEndian(payload);

    public static byte[] EncodeRun(RunRequest request)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8))
        {
            writer.Write(Version);
            writer.Write(request.WorkingDirectory);
            writer.Write(request.OutputRedirected);
            writer.Write(request.Width);
            writer.Write(request.VaultPassword ?? "");
            writer.Write(request.Args.Count);
            foreach (var arg in request.Args) writer.Write(arg);
        }
        return buffer.ToArray();
    }

    public static RunRequest DecodeRun(byte[] payload)
    {
        using var reader = new BinaryReader(new MemoryStream(payload), Encoding.UTF8);
        var version = reader.ReadInt32();
        if (version != Version) throw new InvalidDataException($"daemon request version {version}, expected {Version}");
        var directory = reader.ReadString();
        var redirected = reader.ReadBoolean();
        var width = reader.ReadInt32();
        var password = reader.ReadString();
        var args = new string[reader.ReadInt32()];
        for (var i = 0; i < args.Length; i++) args[i] = reader.ReadString();
        return new RunRequest(args, directory, redirected, width) { VaultPassword = password.Length == 0 ? null : password };
    }
}

/// <summary>One command run: its arguments, the client's working directory, and how the client's stdout looks.</summary>
internal sealed record RunRequest(IReadOnlyList<string> Args, string WorkingDirectory, bool OutputRedirected, int Width)
{
    /// <summary>The client's DATALYPTICA_VAULT_PASSWORD, for this run only (the daemon's own environment never has it).</summary>
    public string? VaultPassword { get; init; }

    public override string ToString() => $"RunRequest {{ Args = {string.Join(' ', Args)}, WorkingDirectory = {WorkingDirectory} }}";
}
