namespace Datalyptica.Contracts.Rendering;

/// <summary>Memory sizing from the host's RAM, so heaps follow the VM instead of being typed by hand.</summary>
public static class Sizing
{
    /// <summary>
    /// A JVM heap in MB: <paramref name="fraction"/> of what the host has left after the OS reserve and the
    /// other roles' needs, bounded by [<paramref name="minMb"/>, <paramref name="maxMb"/>].
    /// </summary>
    public static int HeapMb(int hostRamGb, double fraction, int minMb, int maxMb) =>
        Math.Clamp((int)(hostRamGb * 1024 * fraction), minMb, maxMb);

    /// <summary>Formats MB for JVM flags: whole gigabytes as "6g", otherwise "768m".</summary>
    public static string Jvm(int mb) => mb % 1024 == 0 ? $"{mb / 1024}g" : $"{mb}m";

    /// <summary>Formats MB the way PostgreSQL and most daemons accept it ("16GB" or "512MB").</summary>
    public static string Units(int mb) => mb % 1024 == 0 ? $"{mb / 1024}GB" : $"{mb}MB";
}
