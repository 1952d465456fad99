using Renci.SshNet;

namespace Datalyptica.Engine.Transport;

/// <summary>
/// The SSH algorithms datalyptica offers: modern ones only (issue 13). SSH.NET's defaults also offer 3des-cbc, the
/// aes-cbc ciphers, diffie-hellman-group1-sha1, group14-sha1 and group-exchange-sha1, hmac-sha1 and SHA-1 "ssh-rsa"
/// signatures; a host (or someone in the middle) that offers only those would be accepted. Everything here is in
/// OpenSSH since 6.5 (2014) and in Debian 12's sshd defaults (sshd_config(5): KexAlgorithms, Ciphers, MACs,
/// HostKeyAlgorithms), and follows RFC 9142 (key exchange: SHA-1 groups SHOULD NOT / MUST NOT) and RFC 8332 (rsa-sha2).
/// </summary>
public static class SshAlgorithms
{
    /// <summary>Key exchange: hybrid post-quantum, curve25519, NIST ECDH, and finite-field groups of 2048+ bits with SHA-2.</summary>
    public static readonly IReadOnlyList<string> KeyExchange =
    [
        "mlkem768x25519-sha256", "sntrup761x25519-sha512", "sntrup761x25519-sha512@openssh.com",
        "curve25519-sha256", "curve25519-sha256@libssh.org",
        "ecdh-sha2-nistp256", "ecdh-sha2-nistp384", "ecdh-sha2-nistp521",
        "diffie-hellman-group14-sha256", "diffie-hellman-group16-sha512", "diffie-hellman-group18-sha512",
    ];

    /// <summary>Ciphers: AES in CTR or GCM mode and ChaCha20-Poly1305 (no CBC, no 3DES).</summary>
    public static readonly IReadOnlyList<string> Ciphers =
    [
        "chacha20-poly1305@openssh.com", "aes256-gcm@openssh.com", "aes128-gcm@openssh.com",
        "aes256-ctr", "aes192-ctr", "aes128-ctr",
    ];

    /// <summary>MACs: SHA-2 in encrypt-then-MAC form only (the AEAD ciphers above need none).</summary>
    public static readonly IReadOnlyList<string> Macs = ["hmac-sha2-256-etm@openssh.com", "hmac-sha2-512-etm@openssh.com"];

    /// <summary>Host key signatures: Ed25519, ECDSA, and RSA with SHA-2 (RFC 8332); never SHA-1 "ssh-rsa".</summary>
    public static readonly IReadOnlyList<string> HostKeys =
    [
        "ssh-ed25519", "ssh-ed25519-cert-v01@openssh.com",
        "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
        "ecdsa-sha2-nistp256-cert-v01@openssh.com", "ecdsa-sha2-nistp384-cert-v01@openssh.com", "ecdsa-sha2-nistp521-cert-v01@openssh.com",
        "rsa-sha2-512", "rsa-sha2-256", "rsa-sha2-512-cert-v01@openssh.com", "rsa-sha2-256-cert-v01@openssh.com",
    ];

    /// <summary>Removes every algorithm not listed above from <paramref name="info"/>, keeping SSH.NET's order of preference.</summary>
    public static void RestrictToModern(ConnectionInfo info)
    {
        Keep(info.KeyExchangeAlgorithms, KeyExchange);
        Keep(info.Encryptions, Ciphers);
        Keep(info.HmacAlgorithms, Macs);
        Keep(info.HostKeyAlgorithms, HostKeys);
    }

    private static void Keep<T>(IDictionary<string, T> offered, IReadOnlyList<string> allowed)
    {
        foreach (var name in offered.Keys.Where(k => !allowed.Contains(k, StringComparer.Ordinal)).ToList()) offered.Remove(name);
    }

    /// <summary>
    /// The message for SSH.NET's "No matching ... algorithm (server offers ...)" handshake failure: what the host offers,
    /// what we accept, and the sshd_config lines that fix it.
    /// </summary>
    public static string Refusal(string hostName, string address, int port, string detail) =>
        $"Host '{hostName}' ({address}:{port}) offers only SSH algorithms datalyptica refuses as weak: {detail.Trim()}. " +
        $"datalyptica accepts key exchange {string.Join(",", KeyExchange)}; ciphers {string.Join(",", Ciphers)}; MACs {string.Join(",", Macs)}; " +
        $"host keys {string.Join(",", HostKeys)}. Fix: in the host's /etc/ssh/sshd_config allow modern algorithms " +
        "(e.g. KexAlgorithms curve25519-sha256,ecdh-sha2-nistp256; Ciphers chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-ctr; " +
        "MACs hmac-sha2-256-etm@openssh.com; HostKeyAlgorithms ssh-ed25519,rsa-sha2-256), then `systemctl reload ssh`.";
}
