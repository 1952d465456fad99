namespace Datalyptica.Contracts;

/// <summary>
/// A component's judgement of a probe command's output, by a stable <see cref="Id"/> a saved plan can name: null when
/// the output shows the service healthy, else why not in words. The same C# judge verify and the drills use, so a
/// rolling restart waits on exactly what they call healthy (issue 12: one copy of each piece of knowledge).
/// </summary>
public sealed record OutputJudge(string Id, Func<string, string?> Problem);
