namespace AlertPipeline.Detection.Model;

/// <summary>From <see cref="MinScore"/> up, the model alone raises an alert of <see cref="Severity"/>.</summary>
public sealed record ModelBand(float MinScore, Severity Severity);

/// <summary>
/// What the model may do, per category: the score bands at which it raises an alert no rule raised, and whether it may
/// raise the severity of a rule's alert in that category. A category with no bands never alerts on the model alone.
/// Schools adjust these (host option <c>Model:Schools:{id}</c>); the defaults are chosen on held-out data (model card).
/// </summary>
public sealed class ModelPolicy
{
    private readonly Dictionary<string, ModelBand[]> _bands;

    public ModelPolicy(IReadOnlyDictionary<string, IReadOnlyList<ModelBand>> bands, IEnumerable<string>? raiseRules = null)
    {
        ArgumentNullException.ThrowIfNull(bands);
        _bands = new Dictionary<string, ModelBand[]>(StringComparer.Ordinal);
        foreach (var (category, list) in bands)
        {
            foreach (var band in list)
            {
                if (!(band.MinScore > 0f && band.MinScore <= 1f))
                {
                    throw new ArgumentException($"model band for '{category}': score {band.MinScore} must be above 0 and at most 1");
                }
            }

            // Highest first, so the first band reached is the most severe one the score earns.
            _bands[category] = [.. list.OrderByDescending(b => b.MinScore)];
        }

        RaiseRules = new HashSet<string>(raiseRules ?? [], StringComparer.Ordinal);
    }

    /// <summary>Categories in which a model score may raise a rule alert's severity to the model's band.</summary>
    public IReadOnlySet<string> RaiseRules { get; }

    public IReadOnlyDictionary<string, ModelBand[]> Bands => _bands;

    /// <summary>The severity a score earns in a category, or null below every band.</summary>
    public Severity? SeverityFor(string category, float score)
    {
        if (!_bands.TryGetValue(category, out var bands))
        {
            return null;
        }

        foreach (var band in bands)
        {
            if (score >= band.MinScore)
            {
                return band.Severity;
            }
        }

        return null;
    }

    /// <summary>The lowest score at which any category alerts; texts whose every score is below it need no more work.</summary>
    public float LowestBand => _bands.Values.SelectMany(b => b).Select(b => b.MinScore).DefaultIfEmpty(1f).Min();
}
