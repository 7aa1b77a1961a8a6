namespace AlertPipeline.Escalation;

internal static class EscalationServices
{
    /// <summary>The escalation check (scheduled by the host when this process responds).</summary>
    public static IServiceCollection AddEscalation(this IServiceCollection services) => services.AddSingleton<EscalationRunner>();
}
