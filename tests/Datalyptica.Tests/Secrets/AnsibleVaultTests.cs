using Datalyptica.Secrets;
using YamlDotNet.RepresentationModel;

namespace Datalyptica.Tests.Secrets;

/// <summary>Format tests that need no Ansible installation (see <see cref="AnsibleVaultCliTests"/> for those that do).</summary>
public class AnsibleVaultTests
{
    private static readonly Secret Password = new("correct horse battery staple");

    // Produced by ansible-vault 2.14 (`ansible-vault encrypt --vault-password-file kpw k.txt`), password "known-vector-pw".
    private const string KnownVector11 = """
        $ANSIBLE_VAULT;1.1;AES256
        33346162383131636332393266613863653865393961646466623361363139363238336461616563
        6332626536346264666137663536343165326639333833310a323430643930333635363639626530
        37636464346565393764666536333364643634383239373465306237393432656231663834373639
        3436623162613431390a336265386633356165303231393930393734623735306530323138663161
        39666333363162366634383363353435386631383163313331306335623331663635

        """;
    private const string KnownPlaintext11 = "line one\nzwei: größe ✓\n";

    // `ansible-vault encrypt --vault-id prod@kpw k2.txt` with content "x".
    private const string KnownVector12 = """
        $ANSIBLE_VAULT;1.2;AES256;prod
        66656434336565303331366532613531646162626261373634363832373864393166303039376434
        6333633339343066656330623137346366666136363434360a373031666339363162613035313131
        64613134323739333763373738646338616362373934303364386464313630323966303631313433
        6161333932653665330a306664393862643937336635643266646261333765393863386666623863
        6363
        """;

    [Fact]
    public void Decrypts_known_ansible_vectors()
    {
        var pw = new Secret("known-vector-pw");
        AnsibleVault.Decrypt(KnownVector11, pw).ShouldBe(KnownPlaintext11);
        AnsibleVault.Decrypt(KnownVector12, pw).ShouldBe("x");
    }

    [Theory]
    [InlineData("")]
    [InlineData("a")]
    [InlineData("exactly 16 bytes")]
    [InlineData("seventeen bytes!!")]
    [InlineData("multi\nline\r\nvalue\n\n  with indentation\n")]
    [InlineData("unicode: Ünïcödé ✓ 日本語 🔐")]
    public void Round_trips(string plaintext)
    {
        var vault = AnsibleVault.Encrypt(plaintext, Password);
        AnsibleVault.Decrypt(vault, Password).ShouldBe(plaintext);
    }

    [Fact]
    public void Round_trips_a_large_value()
    {
        var plaintext = string.Concat(Enumerable.Range(0, 2000).Select(i => $"key{i}: value {i}\n"));
        AnsibleVault.Decrypt(AnsibleVault.Encrypt(plaintext, Password), Password).ShouldBe(plaintext);
    }

    [Fact]
    public void Output_has_ansible_layout()
    {
        var vault = AnsibleVault.Encrypt("some text", Password);
        vault.ShouldEndWith("\n");
        var lines = vault.TrimEnd('\n').Split('\n');
        lines[0].ShouldBe("$ANSIBLE_VAULT;1.1;AES256");
        lines.Skip(1).ShouldAllBe(l => l.Length <= 80 && l.Length > 0);
        lines.Skip(1).SkipLast(1).ShouldAllBe(l => l.Length == 80);
        string.Concat(lines.Skip(1)).ShouldMatch("^[0-9a-f]+$");

        var inner = System.Text.Encoding.ASCII.GetString(Convert.FromHexString(string.Concat(lines.Skip(1)))).Split('\n');
        inner.Length.ShouldBe(3);
        inner[0].Length.ShouldBe(64);              // 32-byte salt
        inner[1].Length.ShouldBe(64);              // HMAC-SHA256
        (inner[2].Length / 2 % 16).ShouldBe(0);    // PKCS7-padded ciphertext
    }

    [Fact]
    public void Salt_is_random_per_encryption()
    {
        AnsibleVault.Encrypt("same", Password).ShouldNotBe(AnsibleVault.Encrypt("same", Password));
    }

    [Fact]
    public void Vault_id_selects_format_1_2()
    {
        var vault = AnsibleVault.Encrypt("v", Password, "prod");
        vault.ShouldStartWith("$ANSIBLE_VAULT;1.2;AES256;prod\n");
        AnsibleVault.Decrypt(vault, Password).ShouldBe("v");
        AnsibleVault.Encrypt("v", Password, "default").ShouldStartWith("$ANSIBLE_VAULT;1.1;AES256\n");
        Should.Throw<ArgumentException>(() => AnsibleVault.Encrypt("v", Password, "a;b"));
        Should.Throw<ArgumentException>(() => AnsibleVault.Encrypt("v", Password, ""));
    }

    [Fact]
    public void Accepts_surrounding_whitespace_indentation_and_crlf()
    {
        var vault = AnsibleVault.Encrypt("indented", Password);
        var indented = "\n\n   " + string.Join("\r\n          ", vault.TrimEnd().Split('\n')) + "   \r\n\n";
        AnsibleVault.IsVaultText(indented).ShouldBeTrue();
        AnsibleVault.Decrypt(indented, Password).ShouldBe("indented");
    }

    [Fact]
    public void IsVaultText_recognises_only_vault_data()
    {
        AnsibleVault.IsVaultText("$ANSIBLE_VAULT;1.1;AES256\n3132").ShouldBeTrue();
        AnsibleVault.IsVaultText("  \n$ANSIBLE_VAULT;1.2;AES256;prod\n").ShouldBeTrue();
        AnsibleVault.IsVaultText("plain: yaml").ShouldBeFalse();
        AnsibleVault.IsVaultText("").ShouldBeFalse();
        AnsibleVault.IsVaultText(null).ShouldBeFalse();
        AnsibleVault.IsVaultText("x $ANSIBLE_VAULT;1.1;AES256").ShouldBeFalse();
    }

    [Fact]
    public void Wrong_password_throws_without_leaking_password_or_plaintext()
    {
        const string plaintext = "db_password: TopSecretPlaintext";
        var vault = AnsibleVault.Encrypt(plaintext, Password);
        var wrong = new Secret("WrongPasswordValue");

        var ex = Should.Throw<VaultException>(() => AnsibleVault.Decrypt(vault, wrong, "group_vars/all/vault.yml"));
        ex.Message.ShouldContain("group_vars/all/vault.yml");
        ex.Message.ShouldContain("password is wrong");
        ex.SourceName.ShouldBe("group_vars/all/vault.yml");
        foreach (var text in new[] { ex.Message, ex.ToString() })
        {
            text.ShouldNotContain("TopSecretPlaintext");
            text.ShouldNotContain("WrongPasswordValue");
            text.ShouldNotContain(Password.Reveal());
        }
    }

    [Theory]
    [InlineData(2)]   // in the HMAC
    [InlineData(-1)]  // last hex digit of the ciphertext
    public void Tampered_data_is_rejected_by_the_hmac_check(int position)
    {
        var vault = AnsibleVault.Encrypt("do not touch", Password);
        var lines = vault.TrimEnd('\n').Split('\n');
        var inner = System.Text.Encoding.ASCII.GetString(Convert.FromHexString(string.Concat(lines.Skip(1)))).ToCharArray();
        var at = position >= 0 ? Array.IndexOf(inner, '\n') + 1 + position : inner.Length + position;
        inner[at] = inner[at] == '0' ? '1' : '0';
        var tampered = lines[0] + "\n" + Convert.ToHexStringLower(System.Text.Encoding.ASCII.GetBytes(inner)) + "\n";

        var ex = Should.Throw<VaultException>(() => AnsibleVault.Decrypt(tampered, Password, "vault.yml"));
        ex.Message.ShouldContain("HMAC");
        ex.Message.ShouldContain("vault.yml");
    }

    [Theory]
    [InlineData("plain text")]
    [InlineData("$ANSIBLE_VAULT;1.1;AES256")]
    [InlineData("$ANSIBLE_VAULT;1.0;AES\n3132")]
    [InlineData("$ANSIBLE_VAULT;1.1;AES256\nnot-hex")]
    [InlineData("$ANSIBLE_VAULT;1.1;AES256\n3132")]
    public void Malformed_input_gives_a_vault_exception_naming_the_source(string text)
    {
        Should.Throw<VaultException>(() => AnsibleVault.Decrypt(text, Password, "hosts.yml"))
            .Message.ShouldContain("hosts.yml");
    }

    [Fact]
    public void Empty_password_is_rejected()
    {
        Should.Throw<VaultException>(() => AnsibleVault.Encrypt("x", new Secret("")));
    }

    [Fact]
    public void EncryptString_has_the_ansible_vault_encrypt_string_shape_and_parses_as_yaml()
    {
        var snippet = AnsibleVault.EncryptString("db_password", new Secret("p@ss: 'w0rd'"), Password);
        var lines = snippet.TrimEnd('\n').Split('\n');
        lines[0].ShouldBe("db_password: !vault |");
        lines[1].ShouldBe("          $ANSIBLE_VAULT;1.1;AES256");
        lines.Skip(2).ShouldAllBe(l => l.StartsWith("          ") && l.Length <= 90);

        var yaml = new YamlStream();
        yaml.Load(new StringReader("other: 1\n" + snippet));
        var node = (YamlScalarNode)((YamlMappingNode)yaml.Documents[0].RootNode).Children[new YamlScalarNode("db_password")];
        node.Tag.Value.ShouldBe("!vault");
        AnsibleVault.Decrypt(node.Value!, Password).ShouldBe("p@ss: 'w0rd'");
        // The raw indented block (as copied from the file) decrypts too.
        AnsibleVault.Decrypt(string.Join('\n', lines.Skip(1)), Password).ShouldBe("p@ss: 'w0rd'");
    }

    [Fact]
    public void EncryptString_rejects_names_that_are_not_variables()
    {
        Should.Throw<ArgumentException>(() => AnsibleVault.EncryptString("bad name: x", new Secret("v"), Password));
        Should.Throw<ArgumentException>(() => AnsibleVault.EncryptString("", new Secret("v"), Password));
    }
}
