using System.Text.Json.Nodes;

namespace Datalyptica.Tests.Engine;

/// <summary>Checks that every value in an expected JSON document is in the actual one (objects may have more keys).</summary>
internal static class JsonSubset
{
    public static void ShouldContain(JsonNode? actual, JsonNode? expected, string path = "$")
    {
        switch (expected)
        {
            case null:
                actual.ShouldBeNull(path);
                break;
            case JsonObject obj:
                actual.ShouldBeOfType<JsonObject>(path);
                foreach (var (key, value) in obj)
                {
                    if (!((JsonObject)actual!).ContainsKey(key)) throw new ShouldAssertException($"{path}.{key} missing in {actual.ToJsonString()}");
                    ShouldContain(actual![key], value, $"{path}.{key}");
                }
                break;
            case JsonArray arr:
                var a = actual.ShouldBeOfType<JsonArray>(path);
                a.Count.ShouldBe(arr.Count, $"{path}: {a.ToJsonString()}");
                for (var i = 0; i < arr.Count; i++) ShouldContain(a[i], arr[i], $"{path}[{i}]");
                break;
            default:
                actual?.ToJsonString().ShouldBe(expected.ToJsonString(), path);
                if (actual is null) throw new ShouldAssertException($"{path} is null, expected {expected.ToJsonString()}");
                break;
        }
    }
}
