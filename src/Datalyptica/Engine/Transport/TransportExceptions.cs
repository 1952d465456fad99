using Datalyptica.Contracts.Hosts;
namespace Datalyptica.Engine.Transport;

/// <summary>
/// A transport fault: the host could not be reached, refused us, or a command could not be run to its end.
/// The message names the host and the fix; commands appear only in their masked form
/// (<see cref="RemoteCommand.Display"/>), and inner exceptions are never attached when they could carry
/// a command's raw text.
/// </summary>
public class TransportException : Exception
{
    public TransportException(string hostName, string message, Exception? inner = null) : base(message, inner) => HostName = hostName;

    public string HostName { get; }
}

/// <summary>The host could not be connected to (after the bounded retries, when the fault was transient).</summary>
public sealed class HostUnreachableException(string hostName, string message, int attempts, Exception? inner = null)
    : TransportException(hostName, message, inner)
{
    public int Attempts { get; } = attempts;
}

/// <summary>The host's key is unknown, changed or revoked: never retried, never accepted silently.</summary>
public sealed class HostKeyVerificationException(string hostName, string message) : TransportException(hostName, message);

/// <summary>A command outlived its timeout and was killed.</summary>
public sealed class CommandTimeoutException(string hostName, string message, TimeSpan timeout) : TransportException(hostName, message)
{
    public TimeSpan Timeout { get; } = timeout;
}
