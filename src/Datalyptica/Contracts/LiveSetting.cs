using Datalyptica.Model;

namespace Datalyptica.Contracts;

/// <summary>Which members a live setting is read from.</summary>
public enum LiveScope
{
    /// <summary>The cluster's own state, the same from any member (Patroni's DCS): the first member that answers.</summary>
    AnyMember,
    /// <summary>Each member's own view (a Sentinel's idea of the master): every member, one file each.</summary>
    EachMember,
}

/// <summary>
/// Settings a running component holds outside its files, which `datalyptica snapshot` records next to the files
/// (Patroni's DCS configuration, set with `patronictl edit-config`; what each Sentinel monitors; Kafka's dynamic configs).
/// <see cref="Command"/> runs on a member as the connection user and prints the settings as text; the text is masked
/// for every known secret before it is stored. Declared in the component's folder.
/// </summary>
/// <param name="Name">The file name in the snapshot (live/COMPONENT/NAME.EXTENSION), lower-case with dashes.</param>
/// <param name="Role">The role whose members are asked.</param>
/// <param name="Command">The shell command for a member; every site value in it quoted (RemoteCommand.Quote).</param>
public sealed record LiveSetting(string Name, RoleDefinition Role, LiveScope Scope, Func<Site, Host, string> Command)
{
    /// <summary>The file extension the text is stored under (yaml, txt).</summary>
    public string Extension { get; init; } = "txt";

    /// <summary>
    /// Keeps what is a setting and drops what changes on every read (Sentinel's last-ping times), so a snapshot shows a
    /// difference only when a setting changed. The whole output by default.
    /// </summary>
    public Func<string, string> Settled { get; init; } = output => output;
}
