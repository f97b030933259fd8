namespace SmartFactoryEdge.Anomaly.Spc;

/// <summary>In-control mean and standard deviation: given, or learned (Welford) from the first samples.</summary>
internal struct Baseline
{
    private readonly int _trainingSamples;
    private long _n;
    private double _mean, _m2;

    public Baseline(double? mean, double? sigma, int trainingSamples)
    {
        _trainingSamples = trainingSamples;
        if (mean is { } m && sigma is { } s)
        {
            if (!(s > 0)) throw new ArgumentOutOfRangeException(nameof(sigma), s, "Sigma must be positive.");
            Mean = m;
            Sigma = s;
            IsReady = true;
            Fixed = true;
        }
        else if (trainingSamples < 2) throw new ArgumentOutOfRangeException(nameof(trainingSamples), trainingSamples, "Give mean and sigma, or at least 2 training samples.");
    }

    public double Mean { get; private set; }

    public double Sigma { get; private set; }

    public bool IsReady { get; private set; }

    public bool Fixed { get; }

    /// <summary>Learns from one sample; returns true once the baseline is ready.</summary>
    public bool Learn(double x)
    {
        _n++;
        var d = x - _mean;
        _mean += d / _n;
        _m2 += d * (x - _mean);
        if (_n < _trainingSamples) return false;
        Mean = _mean;
        var sd = Math.Sqrt(_m2 / (_n - 1));
        Sigma = sd > 1e-12 ? sd : Math.Max(Math.Abs(_mean) * 1e-6, 1e-9);
        IsReady = true;
        return true;
    }

    public void Reset()
    {
        if (Fixed) return;
        _n = 0;
        _mean = _m2 = 0;
        IsReady = false;
    }

    public readonly void Write(StateWriter w)
    {
        w.WriteBool(IsReady);
        w.WriteInt64(_n);
        w.WriteDouble(_mean);
        w.WriteDouble(_m2);
        w.WriteDouble(Mean);
        w.WriteDouble(Sigma);
    }

    public void Read(ref StateReader r)
    {
        IsReady = r.ReadBool();
        _n = r.ReadInt64();
        _mean = r.ReadDouble();
        _m2 = r.ReadDouble();
        Mean = r.ReadDouble();
        Sigma = r.ReadDouble();
    }
}
