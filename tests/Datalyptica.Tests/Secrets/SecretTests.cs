using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using Datalyptica.Secrets;
using YamlDotNet.Serialization;

namespace Datalyptica.Tests.Secrets;

public class SecretTests
{
    private const string Value = "hunter2-Sup3r-S3cret";

    private sealed record DbSettings(string Host, Secret Password);

    private sealed class ConnectionConfig
    {
        public string User { get; set; } = "admin";
        public Secret Password { get; set; } = new(Value);
        public List<Secret> Tokens { get; set; } = [new("token-abc-123")];
    }

    [Fact]
    public void Reveal_returns_the_value()
    {
        new Secret(Value).Reveal().ShouldBe(Value);
    }

    [Fact]
    public void ToString_and_formatting_never_show_the_value()
    {
        var secret = new Secret(Value);
        secret.ToString().ShouldBe("***");
        $"password={secret}".ShouldBe("password=***");
        $"{secret,10}|{secret:X}".ShouldNotContain(Value);
        string.Format("{0}", secret).ShouldBe("***");
        string.Concat("p=", secret).ShouldBe("p=***");
        new DbSettings("db1", secret).ToString().ShouldNotContain(Value);
        new DbSettings("db1", secret).ToString().ShouldContain("Password = ***");
    }

    [Fact]
    public void Json_serialization_of_containing_object_masks_the_value()
    {
        var json = JsonSerializer.Serialize(new ConnectionConfig());
        json.ShouldNotContain(Value);
        json.ShouldNotContain("token-abc-123");
        json.ShouldBe("""{"User":"admin","Password":"***","Tokens":["***"]}""");

        JsonSerializer.Serialize(new DbSettings("h", new Secret(Value)), new JsonSerializerOptions { WriteIndented = true })
            .ShouldNotContain(Value);
    }

    [Fact]
    public void Json_deserialization_is_refused_so_a_mask_never_becomes_a_password()
    {
        Should.Throw<JsonException>(() => JsonSerializer.Deserialize<Secret>("\"***\""));
    }

    [Fact]
    public void Yaml_serialization_does_not_leak_the_value()
    {
        var yaml = new SerializerBuilder().Build().Serialize(new ConnectionConfig());
        yaml.ShouldNotContain(Value);
        yaml.ShouldNotContain("token-abc-123");
    }

    [Fact]
    public void Exception_messages_built_from_a_secret_are_masked()
    {
        var secret = new Secret(Value);
        var ex = new InvalidOperationException($"login failed for admin with {secret}");
        ex.Message.ShouldBe("login failed for admin with ***");
        ex.ToString().ShouldNotContain(Value);
    }

    [Fact]
    public void Equality_is_by_value_and_hash_code_does_not_depend_on_the_value()
    {
        var a = new Secret(Value);
        var b = new Secret(Value);
        var c = new Secret("other");
        a.Equals(b).ShouldBeTrue();
        (a == b).ShouldBeTrue();
        (a != c).ShouldBeTrue();
        a.Equals(c).ShouldBeFalse();
        a.Equals(null).ShouldBeFalse();
        a.GetHashCode().ShouldBe(c.GetHashCode());
        new Secret("").GetHashCode().ShouldBe(a.GetHashCode());
    }

    [Fact]
    public void Type_has_no_conversions_no_public_properties_and_a_masked_debugger_display()
    {
        var type = typeof(Secret);
        type.IsSealed.ShouldBeTrue();
        type.GetMethods(BindingFlags.Public | BindingFlags.Static)
            .Where(m => m.Name is "op_Implicit" or "op_Explicit").ShouldBeEmpty();
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).ShouldBeEmpty();
        type.GetCustomAttribute<DebuggerDisplayAttribute>()!.Value.ShouldBe("***");
        type.GetField("_value", BindingFlags.NonPublic | BindingFlags.Instance)!
            .GetCustomAttribute<DebuggerBrowsableAttribute>()!.State.ShouldBe(DebuggerBrowsableState.Never);
    }

    [Fact]
    public void Null_value_is_rejected()
    {
        Should.Throw<ArgumentNullException>(() => new Secret(null!));
    }
}
