using Datalyptica.Tests.Rendering;

namespace Datalyptica.Tests.Components.Patroni;

internal static class SystemdCheck
{
    /// <summary>
    /// systemd-analyze verify over the package's unit with the rendered drop-in merged in (same sections, later
    /// lines win), so a misspelt directive or a bad value in the drop-in fails.
    /// </summary>
    public static void VerifyWithDropIn(string packageUnit, string dropIn)
    {
        File.Exists(packageUnit).ShouldBeTrue($"{packageUnit} is missing: run ./setup.sh");
        var dir = PgSites.TempDir("dl-unit-");
        try
        {
            var unit = Path.Combine(dir, Path.GetFileName(packageUnit));
            File.WriteAllText(unit, File.ReadAllText(packageUnit) + "\n" + dropIn);
            var r = Tool.Run("systemd-analyze", ["verify", "--man=no", unit]);
            var problems = r.Output.Split('\n')
                .Where(l => l.Contains(Path.GetFileName(packageUnit)) && !l.Contains("is not executable") && !l.Contains("No such file"))
                .ToList();
            problems.ShouldBeEmpty(r.Output);
        }
        finally { Directory.Delete(dir, true); }
    }
}
