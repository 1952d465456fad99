using Datalyptica.Inventory;

namespace Datalyptica.Tests.Inventory;

/// <summary>
/// Reads inventories with our reader and with the real ansible-inventory and compares the results.
/// Fails (not skips) when ansible-inventory is missing: CI installs ansible-core.
/// </summary>
public class AnsibleCrossCheckTests
{
    [Theory]
    [InlineData("ranges_and_children")]
    [InlineData("vars_directories")]
    [InlineData("typing")]
    [InlineData("ini_inventory")]
    public void Hand_written_inventory_reads_like_ansible_inventory(string name)
    {
        var dir = InventoryTestData.Dir(name);
        var ours = AnsibleInventoryReader.Read(dir);
        ours.ShouldMatchAnsible(AnsibleCli.InventoryList(dir));
    }

    [Fact]
    public void Vault_encrypted_vars_file_is_decrypted_through_the_callback_like_ansible_does()
    {
        var dir = InventoryTestData.Dir("vault_file");
        var passwordFile = Path.Combine(dir, "vault-password.txt");
        var ours = AnsibleInventoryReader.Read(dir, (file, vaultText) =>
        {
            vaultText.ShouldStartWith("$ANSIBLE_VAULT;");
            return AnsibleCli.Run("ansible-vault", ["view", "--vault-password-file", passwordFile, file]);
        });
        ours.FindHost("secret-host")!.Vars["secret_file_var"].ToJsonNode()!.GetValue<string>().ShouldBe("from-vault-file");
        ours.ShouldMatchAnsible(AnsibleCli.InventoryList(dir, new Dictionary<string, string> { ["ANSIBLE_VAULT_PASSWORD_FILE"] = passwordFile }));
    }
}
