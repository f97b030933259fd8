namespace SmartFactoryEdge.Anomaly.Iid;

/// <summary>The martingale that accumulates evidence from p-values (ML.NET MartingaleType). See Vovk et al., arXiv:1204.3251.</summary>
public enum MartingaleType : byte
{
    None,
    Power,
    Mixture,
}

/// <summary>Which side of the score counts as anomalous (ML.NET AnomalySide).</summary>
public enum AnomalySide : byte
{
    Positive,
    Negative,
    TwoSided,
}

/// <summary>Which score is compared with the alert threshold (ML.NET AlertingScore).</summary>
public enum AlertingScore : byte
{
    RawScore,
    PValueScore,
    MartingaleScore,
}
