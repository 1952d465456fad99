using System.Diagnostics;
using Datalyptica.Model;
using Datalyptica.Pki;
using Datalyptica.Profiles;
using Datalyptica.Secrets;

namespace Datalyptica.Tests.Pki;

/// <summary>The site's repository signing key: made once, kept under the vault, verified by the real gpgv apt uses.</summary>
public sealed class RepositoryKeyStoreTests : IDisposable
{
    private readonly string _site = Directory.CreateTempSubdirectory("dl-repokey-").FullName;
    private static readonly Secret Password = new("repository-key-test-password");
    private static readonly Site Site = ProfileExpander.Expand(BuiltInProfiles.Development);

    public void Dispose() => Directory.Delete(_site, recursive: true);

    private string PublicPath => Path.Combine(_site, "pki", RepositoryKeyStore.PublicFile);
    private string SecretPath => Path.Combine(_site, "pki", RepositoryKeyStore.SecretFile);

    [Fact]
    public void The_key_is_made_once_its_secret_half_only_vaulted_and_0600()
    {
        var first = RepositoryKeyStore.Ensure(_site, Site, Password, DateTimeOffset.UtcNow, out var created);
        created.ShouldBeTrue();
        var second = RepositoryKeyStore.Ensure(_site, Site, Password, DateTimeOffset.UtcNow, out created);
        created.ShouldBeFalse();
        second.Fingerprint.ShouldBe(first.Fingerprint);
        RepositoryKeyStore.LoadPublic(_site).ShouldBe(first.PublicKeyArmored);

        File.ReadAllText(PublicPath).ShouldStartWith("-----BEGIN PGP PUBLIC KEY BLOCK-----");
        File.ReadAllText(PublicPath).ShouldNotContain("PRIVATE");
        var vaulted = File.ReadAllText(SecretPath);
        AnsibleVault.IsVaultText(vaulted).ShouldBeTrue();
        vaulted.ShouldNotContain("PGP");
        File.GetUnixFileMode(SecretPath).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        first.SecretKeyArmored().ToString().ShouldBe(Secret.Mask);
    }

    [Fact]
    public void A_lost_public_half_is_made_again_and_a_foreign_one_or_a_lost_secret_is_refused()
    {
        var key = RepositoryKeyStore.Ensure(_site, Site, Password, DateTimeOffset.UtcNow, out _);
        File.Delete(PublicPath);
        RepositoryKeyStore.Ensure(_site, Site, Password, DateTimeOffset.UtcNow, out var created).Fingerprint.ShouldBe(key.Fingerprint);
        created.ShouldBeFalse();
        File.ReadAllText(PublicPath).ShouldBe(key.PublicKeyArmored);

        File.WriteAllText(PublicPath, RepositorySigningKey.Create("someone else", DateTime.UtcNow).PublicKeyArmored);
        Should.Throw<InvalidOperationException>(() => RepositoryKeyStore.Ensure(_site, Site, Password, DateTimeOffset.UtcNow, out _))
            .Message.ShouldContain("does not belong");

        File.Delete(SecretPath);
        Should.Throw<InvalidOperationException>(() => RepositoryKeyStore.Ensure(_site, Site, Password, DateTimeOffset.UtcNow, out _))
            .Message.ShouldContain(RepositoryKeyStore.SecretFile);
        Should.Throw<VaultException>(() =>
        {
            File.Delete(PublicPath);
            RepositoryKeyStore.Ensure(_site, Site, Password, DateTimeOffset.UtcNow, out _);
            RepositoryKeyStore.Ensure(_site, Site, new Secret("wrong"), DateTimeOffset.UtcNow, out _);
        });
    }

    [Fact]
    public void Gpgv_verifies_a_detached_signature_and_refuses_a_changed_document()
    {
        var key = RepositorySigningKey.Create("gpgv check", DateTime.UtcNow);
        var keyring = Path.Combine(_site, "key.asc");
        File.WriteAllText(keyring, key.PublicKeyArmored);
        // gpgv reads binary keyrings only; apt converts an .asc key for it, here gpg --dearmor does the same.
        Run("gpg", "--batch", "--yes", "--dearmor", "-o", keyring + ".gpg", keyring).ExitCode.ShouldBe(0);
        var document = Path.Combine(_site, "Release");
        File.WriteAllText(document, "Origin: Datalyptica\n");
        File.WriteAllBytes(document + ".gpg", key.SignDetached(File.ReadAllBytes(document), DateTime.UtcNow));

        var good = Run("gpgv", "--keyring", keyring + ".gpg", document + ".gpg", document);
        good.ExitCode.ShouldBe(0, good.Output);
        good.Output.ShouldContain("Good signature");
        good.Output.ShouldContain("EDDSA");

        File.AppendAllText(document, "Suite: stable\n");
        var bad = Run("gpgv", "--keyring", keyring + ".gpg", document + ".gpg", document);
        bad.ExitCode.ShouldNotBe(0);
        bad.Output.ShouldContain("BAD signature");
    }

    private static (int ExitCode, string Output) Run(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment["LC_ALL"] = "C";
        start.Environment["GNUPGHOME"] = Path.GetTempPath(); // no keyring of this machine's user is read or created
        using var p = Process.Start(start)!;
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output.Result + error);
    }
}
