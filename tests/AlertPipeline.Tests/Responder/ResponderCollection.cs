namespace AlertPipeline.Tests.Responder;

/// <summary>
/// The responder tests each run a host, an SMTP server and sometimes a webhook receiver. On a 2-core machine,
/// running them beside the crash/resume tests starves those of CPU and breaks their timing, so they run on their
/// own, after the parallel tests.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ResponderCollection
{
    public const string Name = "responder (real SMTP and HTTP peers)";
}
