namespace SmartFactoryEdge.Anomaly.Internal;

/// <summary>A fixed-capacity FIFO of doubles; index 0 is the oldest. Allocates once.</summary>
internal sealed class RingBuffer
{
    private readonly double[] _items;
    private int _head; // index of the oldest
    private int _count;

    public RingBuffer(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _items = new double[capacity];
    }

    public int Capacity => _items.Length;

    public int Count => _count;

    public bool IsFull => _count == _items.Length;

    public double this[int i]
    {
        get
        {
            var j = _head + i;
            if (j >= _items.Length) j -= _items.Length;
            return _items[j];
        }
    }

    public double First => _items[_head];

    public double Last => this[_count - 1];

    /// <summary>Appends; when full, drops and returns the oldest (NaN otherwise).</summary>
    public double Add(double value)
    {
        if (_count < _items.Length)
        {
            var j = _head + _count;
            if (j >= _items.Length) j -= _items.Length;
            _items[j] = value;
            _count++;
            return double.NaN;
        }

        var old = _items[_head];
        _items[_head] = value;
        _head++;
        if (_head == _items.Length) _head = 0;
        return old;
    }

    public void Clear()
    {
        _head = 0;
        _count = 0;
    }

    /// <summary>Copies the contents oldest-first into <paramref name="dst"/>.</summary>
    public void CopyTo(Span<double> dst)
    {
        var first = Math.Min(_count, _items.Length - _head);
        _items.AsSpan(_head, first).CopyTo(dst);
        _items.AsSpan(0, _count - first).CopyTo(dst[first..]);
    }

    public void Write(StateWriter w)
    {
        var tmp = new double[_count];
        CopyTo(tmp);
        w.WriteInt32(_items.Length);
        w.WriteDoubles(tmp);
    }

    public void Read(ref StateReader r)
    {
        var cap = r.ReadInt32();
        if (cap != _items.Length) throw new InvalidDataException($"Checkpoint ring of capacity {cap}, expected {_items.Length}.");
        var n = r.ReadInt32();
        if (n < 0 || n > cap) throw new InvalidDataException($"Checkpoint ring count {n} out of range 0..{cap}.");
        Clear();
        for (var i = 0; i < n; i++) Add(r.ReadDouble());
    }
}
