using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using Renci.SshNet;
using Renci.SshNet.Security;

namespace Datalyptica.Engine.Transport;

/// <summary>
/// A client of OpenSSH's ssh-agent (the protocol of draft-miller-ssh-agent: REQUEST_IDENTITIES, SIGN_REQUEST) over the
/// Unix socket in SSH_AUTH_SOCK. SSH.NET has no agent support; its public-key authentication signs through
/// <see cref="HostAlgorithm.Sign"/>, so each agent identity becomes one <see cref="HostAlgorithm"/> whose signature the
/// agent makes. The private key never leaves the agent, which is why Ansible users keep passphrase-protected keys there.
/// </summary>
public sealed class SshAgent(string socketPath)
{
    private const byte Failure = 5;
    private const byte RequestIdentities = 11;
    private const byte IdentitiesAnswer = 12;
    private const byte SignRequest = 13;
    private const byte SignResponse = 14;
    // Sign flags: RSA keys sign with SHA-512 (RFC 8332), never SHA-1 "ssh-rsa".
    private const uint RsaSha2_512 = 4;
    private const int MaxMessage = 256 * 1024; // OpenSSH's own limit for agent messages

    public string SocketPath { get; } = socketPath;

    /// <summary>One key the agent holds: its public key blob (SSH wire format) and comment.</summary>
    public sealed record Identity(byte[] PublicKey, string Comment)
    {
        public string KeyType => Encoding.ASCII.GetString(new WireReader(PublicKey).String());
    }

    /// <summary>The agent named by SSH_AUTH_SOCK, when that is set to an absolute path.</summary>
    public static SshAgent? FromEnvironment() =>
        Environment.GetEnvironmentVariable("SSH_AUTH_SOCK") is { Length: > 0 } path && Path.IsPathFullyQualified(path) ? new SshAgent(path) : null;

    public IReadOnlyList<Identity> Identities()
    {
        var reply = new WireReader(Exchange([RequestIdentities], IdentitiesAnswer, "list its keys"));
        var count = reply.UInt32();
        if (count > 1024) throw new SshAgentException($"ssh-agent at {SocketPath} answered with {count} keys, more than any agent holds.");
        var keys = new List<Identity>((int)count);
        for (var i = 0; i < count; i++)
            keys.Add(new Identity(reply.String(), Encoding.UTF8.GetString(reply.String())));
        return keys;
    }

    /// <summary>The signature (SSH wire format: algorithm name and blob) the agent makes over <paramref name="data"/>.</summary>
    public byte[] Sign(Identity key, byte[] data, uint flags)
    {
        var request = new MemoryStream();
        request.WriteByte(SignRequest);
        WriteString(request, key.PublicKey);
        WriteString(request, data);
        Span<byte> flagBytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(flagBytes, flags);
        request.Write(flagBytes);
        return new WireReader(Exchange(request.ToArray(), SignResponse, $"sign with {key.KeyType} key '{key.Comment}'")).String();
    }

    /// <summary>The agent's keys as SSH.NET key sources, in the agent's order (as OpenSSH offers them).</summary>
    public IPrivateKeySource[] KeySources(IEnumerable<Identity> keys) =>
        [.. keys.Select(k => (Key: k, Algorithm: AlgorithmFor(k.KeyType))).Where(k => k.Algorithm is not null)
            .Select(k => new KeySource(new AgentKey(this, k.Key, k.Algorithm!.Value)))];

    // RSA keys are offered as rsa-sha2-512 (RFC 8332); other types under their own name.
    private static (string Name, uint Flags)? AlgorithmFor(string keyType) => keyType switch
    {
        "ssh-rsa" => ("rsa-sha2-512", RsaSha2_512),
        "ssh-rsa-cert-v01@openssh.com" => ("rsa-sha2-512-cert-v01@openssh.com", RsaSha2_512),
        _ when SshAlgorithms.HostKeys.Contains(keyType, StringComparer.Ordinal) => (keyType, 0),
        _ => null, // ssh-dss, security keys (sk-*): not offered
    };

    private byte[] Exchange(byte[] request, byte expected, string purpose)
    {
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            socket.ReceiveTimeout = socket.SendTimeout = 30_000; // a key added with ssh-add -c waits for a confirmation
            socket.Connect(new UnixDomainSocketEndPoint(SocketPath));
            var framed = new byte[4 + request.Length];
            BinaryPrimitives.WriteUInt32BigEndian(framed, (uint)request.Length);
            request.CopyTo(framed, 4);
            socket.Send(framed);
            var header = ReceiveExactly(socket, 4);
            var length = BinaryPrimitives.ReadUInt32BigEndian(header);
            if (length is 0 or > MaxMessage) throw new SshAgentException($"ssh-agent at {SocketPath} sent a malformed answer ({length} bytes) when asked to {purpose}.");
            var body = ReceiveExactly(socket, (int)length);
            if (body[0] == expected) return body[1..];
            throw new SshAgentException(body[0] == Failure
                ? $"ssh-agent at {SocketPath} refused to {purpose} (a key added with ssh-add -c that was not confirmed, or a locked agent)."
                : $"ssh-agent at {SocketPath} answered message {body[0]} when asked to {purpose}.");
        }
        catch (SocketException e)
        {
            throw new SshAgentException($"ssh-agent at {SocketPath} could not be reached to {purpose}: {e.SocketErrorCode}.");
        }
    }

    private static byte[] ReceiveExactly(Socket socket, int count)
    {
        var buffer = new byte[count];
        for (var read = 0; read < count;)
        {
            var n = socket.Receive(buffer, read, count - read, SocketFlags.None);
            if (n == 0) throw new SocketException((int)SocketError.ConnectionReset);
            read += n;
        }
        return buffer;
    }

    private static void WriteString(Stream to, byte[] value)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(length, (uint)value.Length);
        to.Write(length);
        to.Write(value);
    }

    /// <summary>Reads SSH wire-format fields (RFC 4251 section 5), refusing lengths past the end.</summary>
    private sealed class WireReader(byte[] data)
    {
        private int _at;

        public uint UInt32()
        {
            if (_at + 4 > data.Length) throw new SshAgentException("ssh-agent sent a truncated answer.");
            var value = BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(_at));
            _at += 4;
            return value;
        }

        public byte[] String()
        {
            var length = UInt32();
            if (length > data.Length - _at) throw new SshAgentException("ssh-agent sent a truncated answer.");
            var value = data.AsSpan(_at, (int)length).ToArray();
            _at += (int)length;
            return value;
        }
    }

    /// <summary>One agent key as SSH.NET sees a key: a name, the public key blob, and a Sign the agent performs.</summary>
    private sealed class AgentKey(SshAgent agent, Identity key, (string Name, uint Flags) algorithm) : HostAlgorithm(algorithm.Name)
    {
        public override byte[] Data => key.PublicKey;

        public override byte[] Sign(byte[] data) => agent.Sign(key, data, algorithm.Flags);

        public override bool VerifySignature(byte[] data, byte[] signature) =>
            throw new NotSupportedException("an agent key only signs; host keys are verified against known_hosts");
    }

    private sealed class KeySource(HostAlgorithm algorithm) : IPrivateKeySource
    {
        public IReadOnlyCollection<HostAlgorithm> HostKeyAlgorithms { get; } = [algorithm];
    }
}

public sealed class SshAgentException(string message) : Exception(message);
