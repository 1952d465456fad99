using Datalyptica.Secrets;

namespace Datalyptica.Tests.Secrets;

public class SecretMaskerTests
{
    [Fact]
    public void Masks_every_occurrence_of_every_secret()
    {
        var masker = new SecretMasker(new Secret("s3cr3t"), new Secret("tok-999"));
        masker.Mask("psql: password s3cr3t rejected; retry with s3cr3t and tok-999.")
            .ShouldBe("psql: password *** rejected; retry with *** and ***.");
    }

    [Fact]
    public void Text_without_secrets_is_returned_unchanged()
    {
        var masker = new SecretMasker(new Secret("s3cr3t"));
        masker.Mask("all good").ShouldBe("all good");
        masker.Mask("").ShouldBe("");
        masker.Mask(null).ShouldBe("");
        new SecretMasker().Mask("nothing registered").ShouldBe("nothing registered");
    }

    [Fact]
    public void Overlapping_and_adjacent_secrets_leave_no_fragment()
    {
        var masker = new SecretMasker(new Secret("abcX"), new Secret("cXYZ"), new Secret("abcdef"));
        masker.Mask("1 abcXYZ 2").ShouldBe("1 *** 2");   // suffix of one is prefix of the other
        masker.Mask("abcdefabcdef!").ShouldBe("***!");    // adjacent occurrences
        masker.Mask("abcabcdef").ShouldBe("abc***");      // longest/shorter candidates
    }

    [Fact]
    public void Multi_line_secrets_are_masked_whole_and_line_by_line()
    {
        var key = "-----BEGIN KEY-----\nMIIBOgIBAAJBAK\r\n-----END KEY-----";
        var masker = new SecretMasker(new Secret(key));
        masker.Mask($"key: {key} end").ShouldBe("key: *** end");
        masker.Mask("remote: bad line MIIBOgIBAAJBAK here").ShouldBe("remote: bad line *** here");
    }

    [Fact]
    public void Json_escaped_form_is_masked()
    {
        var masker = new SecretMasker(new Secret("pa\"ss\\word"));
        masker.Mask("""{"password":"pa\"ss\\word"}""").ShouldBe("""{"password":"***"}""");
        masker.Mask(System.Text.Json.JsonSerializer.Serialize(new { password = "pa\"ss\\word" }))
            .ShouldBe("""{"password":"***"}""");
    }

    [Fact]
    public void Secrets_added_later_are_masked_and_empty_ones_are_ignored()
    {
        var masker = new SecretMasker(new Secret(""));
        masker.Mask("abc").ShouldBe("abc");
        masker.Add(new Secret("late-secret"));
        masker.Mask("x late-secret y").ShouldBe("x *** y");
    }

    [Fact]
    public void Exception_messages_with_revealed_values_can_be_masked()
    {
        var password = new Secret("Pa55word!");
        var masker = new SecretMasker(password);
        var ex = new InvalidOperationException($"ssh: sudo -S failed, input was '{password.Reveal()}'");
        masker.Mask(ex.Message).ShouldBe("ssh: sudo -S failed, input was '***'");
        masker.Mask(ex.ToString()).ShouldNotContain("Pa55word!");
    }
}
