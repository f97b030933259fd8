namespace SmartFactoryEdge.Anomaly;

/// <summary>
/// What a streaming detector says about one sample (or one row). A struct: returning it allocates nothing.
/// Fields a detector does not compute are NaN.
/// </summary>
/// <param name="Alert">True when this sample raised an alert.</param>
/// <param name="Score">The detector's raw score (ML.NET's "Raw Score" slot: the value itself for IID, the forecast error for SSA,
/// the saliency score for SR, T² or SPE for PCA, the statistic for EWMA/CUSUM).</param>
/// <param name="PValue">The p-value of the raw score against its history (IID, SSA), NaN otherwise.</param>
/// <param name="Statistic">A detector-specific statistic: the martingale for change-point detectors, the SR magnitude,
/// SPE for PCA monitors, the chart statistic for EWMA/CUSUM.</param>
/// <param name="Level">A score in [0, 1] that grows with the evidence of an anomaly; the evaluation thresholds it (NAB semantics).</param>
/// <param name="Threshold">The limit the alert was judged against, in the units of the score that was compared.</param>
public readonly record struct DetectorOutput(
    bool Alert,
    double Score,
    double PValue,
    double Statistic,
    double Level,
    double Threshold)
{
    /// <summary>The output while a detector is still filling its window or training prefix (no alert, NaN scores, level 0).</summary>
    public static DetectorOutput WarmingUp => new(false, double.NaN, double.NaN, double.NaN, 0, double.NaN);

    /// <summary>True when the detector had enough history to judge this sample.</summary>
    public bool IsReady => !double.IsNaN(Score);
}
