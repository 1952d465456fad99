using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Datalyptica.Secrets;

/// <summary>
/// Ansible Vault 1.1 / 1.2 "AES256" format, byte-compatible with ansible-core
/// (lib/ansible/parsing/vault/__init__.py, VaultAES256):
/// PBKDF2-HMAC-SHA256 (10000 iterations, 32-byte random salt) derives 80 bytes =
/// 32-byte AES key + 32-byte HMAC key + 16-byte initial counter; the plaintext is PKCS7-padded to
/// 16 bytes and encrypted with AES-256-CTR; HMAC-SHA256 is computed over the ciphertext; the body is
/// hexlify(hexlify(salt) "\n" hexlify(hmac) "\n" hexlify(ciphertext)) in 80-column lines under the
/// header <c>$ANSIBLE_VAULT;1.1;AES256</c> or <c>$ANSIBLE_VAULT;1.2;AES256;&lt;vault-id&gt;</c>.
/// </summary>
public static partial class AnsibleVault
{
    public const string HeaderPrefix = "$ANSIBLE_VAULT";
    private const string CipherName = "AES256";
    private const int Iterations = 10000;
    private const int KeyLength = 32;
    private const int IvLength = 16;
    private const int SaltLength = 32;
    private const int LineWidth = 80;
    private const int EncryptStringIndent = 10;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>True when <paramref name="text"/> (ignoring leading whitespace) starts with the vault header.</summary>
    public static bool IsVaultText(string? text) =>
        text is not null && text.AsSpan().TrimStart().StartsWith(HeaderPrefix + ";", StringComparison.Ordinal);

    /// <summary>
    /// Encrypts UTF-8 text. Without <paramref name="vaultId"/> (or with "default") the result is format 1.1,
    /// otherwise 1.2 with the id in the header. The result ends with a newline, as ansible-vault writes it.
    /// </summary>
    public static string Encrypt(string plaintext, Secret password, string? vaultId = null)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        var bytes = StrictUtf8.GetBytes(plaintext);
        try { return EncryptBytes(bytes, password, vaultId); }
        finally { CryptographicOperations.ZeroMemory(bytes); }
    }

    /// <summary>Encrypts raw bytes (as <c>ansible-vault encrypt</c> does for any file).</summary>
    public static string EncryptBytes(ReadOnlySpan<byte> plaintext, Secret password, string? vaultId = null)
    {
        var passwordBytes = PasswordBytes(password);
        ValidateVaultId(vaultId);

        var salt = RandomNumberGenerator.GetBytes(SaltLength);
        var derived = Rfc2898DeriveBytes.Pbkdf2(passwordBytes, salt, Iterations, HashAlgorithmName.SHA256, 2 * KeyLength + IvLength);
        var padded = Pkcs7Pad(plaintext);
        try
        {
            var ciphertext = AesCtr(derived.AsSpan(0, KeyLength), derived.AsSpan(2 * KeyLength, IvLength), padded);
            var hmac = HMACSHA256.HashData(derived.AsSpan(KeyLength, KeyLength), ciphertext);

            var inner = Convert.ToHexStringLower(salt) + "\n" + Convert.ToHexStringLower(hmac) + "\n" + Convert.ToHexStringLower(ciphertext);
            var body = Convert.ToHexStringLower(Encoding.ASCII.GetBytes(inner));

            var useId = !string.IsNullOrEmpty(vaultId) && vaultId != "default";
            var sb = new StringBuilder(body.Length + body.Length / LineWidth + 64);
            sb.Append(HeaderPrefix).Append(useId ? ";1.2;" : ";1.1;").Append(CipherName);
            if (useId) sb.Append(';').Append(vaultId);
            sb.Append('\n');
            for (var i = 0; i < body.Length; i += LineWidth)
                sb.Append(body, i, Math.Min(LineWidth, body.Length - i)).Append('\n');
            return sb.ToString();
        }
        finally
        {
            CryptographicOperations.ZeroMemory(derived);
            CryptographicOperations.ZeroMemory(padded);
            CryptographicOperations.ZeroMemory(passwordBytes);
        }
    }

    /// <summary>
    /// Decrypts vault text to UTF-8 text. Leading/trailing whitespace and indentation of the lines
    /// (as in an inline <c>!vault |</c> value copied out of YAML) are accepted.
    /// </summary>
    /// <param name="source">Names where the text came from (file, variable) for error messages.</param>
    /// <exception cref="VaultException">Malformed data, wrong password, tampered data, or non-UTF-8 content.</exception>
    public static string Decrypt(string vaultText, Secret password, string? source = null)
    {
        var bytes = DecryptBytes(vaultText, password, source);
        try { return StrictUtf8.GetString(bytes); }
        catch (DecoderFallbackException)
        {
            // The inner exception is dropped on purpose: its message quotes the offending plaintext bytes.
            throw new VaultException($"The decrypted content of {Describe(source)} is not UTF-8 text.", source);
        }
        finally { CryptographicOperations.ZeroMemory(bytes); }
    }

    /// <summary>Decrypts vault text to raw bytes. See <see cref="Decrypt"/>.</summary>
    public static byte[] DecryptBytes(string vaultText, Secret password, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(vaultText);
        var passwordBytes = PasswordBytes(password);
        var (salt, expectedHmac, ciphertext) = Parse(vaultText, source);

        var derived = Rfc2898DeriveBytes.Pbkdf2(passwordBytes, salt, Iterations, HashAlgorithmName.SHA256, 2 * KeyLength + IvLength);
        byte[]? padded = null;
        try
        {
            var actualHmac = HMACSHA256.HashData(derived.AsSpan(KeyLength, KeyLength), ciphertext);
            // FixedTimeEquals returns false (without short-circuiting on content) for different lengths.
            if (!CryptographicOperations.FixedTimeEquals(actualHmac, expectedHmac))
                throw new VaultException(VaultProblem.WrongPassword,
                    $"Cannot decrypt {Describe(source)}: the vault password is wrong or the data was modified (HMAC check failed).", source);

            padded = AesCtr(derived.AsSpan(0, KeyLength), derived.AsSpan(2 * KeyLength, IvLength), ciphertext);
            var length = Pkcs7UnpaddedLength(padded)
                ?? throw new VaultException($"Cannot decrypt {Describe(source)}: invalid padding after decryption.", source);
            return padded.AsSpan(0, length).ToArray();
        }
        finally
        {
            CryptographicOperations.ZeroMemory(derived);
            CryptographicOperations.ZeroMemory(passwordBytes);
            if (padded is not null) CryptographicOperations.ZeroMemory(padded);
        }
    }

    /// <summary>
    /// Produces the same YAML snippet as <c>ansible-vault encrypt_string --name NAME</c>:
    /// <c>name: !vault |</c> followed by the vault text indented by 10 spaces (ends with a newline).
    /// </summary>
    public static string EncryptString(string name, Secret value, Secret password, string? vaultId = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(value);
        if (!VariableName().IsMatch(name))
            throw new ArgumentException($"'{name}' is not a valid Ansible variable name.", nameof(name));

        var vaultText = Encrypt(value.Reveal(), password, vaultId);
        var sb = new StringBuilder(vaultText.Length * 2);
        sb.Append(name).Append(": !vault |\n");
        foreach (var line in vaultText.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            sb.Append(' ', EncryptStringIndent).Append(line).Append('\n');
        return sb.ToString();
    }

    private static (byte[] Salt, byte[] Hmac, byte[] Ciphertext) Parse(string vaultText, string? source)
    {
        VaultException Bad(string why) => new($"{Describe(source)} is not valid Ansible Vault data: {why}.", source);

        var lines = vaultText.Split('\n')
            .Select(l => l.Trim())
            .Where(l => l.Length > 0)
            .ToArray();
        if (lines.Length == 0 || !lines[0].StartsWith(HeaderPrefix + ";", StringComparison.Ordinal))
            throw Bad($"it does not start with '{HeaderPrefix};'");

        var header = lines[0].Split(';');
        if (header.Length < 3) throw Bad("the header is incomplete");
        var version = header[1].Trim();
        if (version is not ("1.1" or "1.2")) throw Bad($"unsupported format version '{version}' (expected 1.1 or 1.2)");
        var cipher = header[2].Trim();
        if (cipher != CipherName) throw Bad($"unsupported cipher '{cipher}' (expected {CipherName})");
        if (lines.Length < 2) throw Bad("there is no encrypted body");

        byte[] outer;
        try { outer = Convert.FromHexString(string.Concat(lines.Skip(1))); }
        catch (FormatException) { throw Bad("the body is not hexadecimal"); }

        var text = Encoding.ASCII.GetString(outer);
        var parts = text.Split('\n', 3);
        if (parts.Length != 3) throw Bad("the body does not have the salt, HMAC and ciphertext parts");
        try
        {
            var salt = Convert.FromHexString(parts[0]);
            var hmac = Convert.FromHexString(parts[1]);
            var ciphertext = Convert.FromHexString(parts[2]);
            if (salt.Length == 0) throw Bad("the salt is empty");
            if (ciphertext.Length == 0 || ciphertext.Length % 16 != 0) throw Bad("the ciphertext length is not a multiple of 16");
            return (salt, hmac, ciphertext);
        }
        catch (FormatException) { throw Bad("an inner part is not hexadecimal"); }
    }

    /// <summary>AES-256-CTR as OpenSSL does it: the whole 16-byte block is a big-endian counter.</summary>
    private static byte[] AesCtr(ReadOnlySpan<byte> key, ReadOnlySpan<byte> initialCounter, ReadOnlySpan<byte> input)
    {
        using var aes = Aes.Create();
        aes.Key = key.ToArray();
        var blocks = (input.Length + 15) / 16;
        var counters = new byte[blocks * 16];
        Span<byte> counter = stackalloc byte[16];
        initialCounter.CopyTo(counter);
        for (var b = 0; b < blocks; b++)
        {
            counter.CopyTo(counters.AsSpan(b * 16));
            for (var i = 15; i >= 0 && ++counter[i] == 0; i--) { }
        }
        var keystream = aes.EncryptEcb(counters, PaddingMode.None);
        var output = new byte[input.Length];
        for (var i = 0; i < input.Length; i++) output[i] = (byte)(input[i] ^ keystream[i]);
        CryptographicOperations.ZeroMemory(keystream);
        return output;
    }

    private static byte[] Pkcs7Pad(ReadOnlySpan<byte> data)
    {
        var pad = 16 - data.Length % 16;
        var padded = new byte[data.Length + pad];
        data.CopyTo(padded);
        padded.AsSpan(data.Length).Fill((byte)pad);
        return padded;
    }

    private static int? Pkcs7UnpaddedLength(ReadOnlySpan<byte> padded)
    {
        if (padded.Length == 0 || padded.Length % 16 != 0) return null;
        int pad = padded[^1];
        if (pad is < 1 or > 16) return null;
        foreach (var b in padded[^pad..]) if (b != pad) return null;
        return padded.Length - pad;
    }

    private static byte[] PasswordBytes(Secret password)
    {
        ArgumentNullException.ThrowIfNull(password);
        var value = password.Reveal();
        if (value.Length == 0) throw new VaultException("The vault password is empty.");
        return StrictUtf8.GetBytes(value);
    }

    private static void ValidateVaultId(string? vaultId)
    {
        if (vaultId is null) return;
        if (vaultId.Length == 0 || vaultId.Any(c => c == ';' || char.IsWhiteSpace(c) || char.IsControl(c)))
            throw new ArgumentException("A vault id must be non-empty without ';', whitespace or control characters.", nameof(vaultId));
    }

    private static string Describe(string? source) => string.IsNullOrEmpty(source) ? "the vault data" : source;

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex VariableName();
}
