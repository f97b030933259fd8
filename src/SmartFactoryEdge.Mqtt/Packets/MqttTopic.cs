namespace SmartFactoryEdge.Mqtt.Packets;

/// <summary>Topic name and topic filter rules (MQTT 5.0 section 4.7).</summary>
public static class MqttTopic
{
    /// <summary>A topic name: at least one character, no wildcards.</summary>
    public static bool IsValidTopicName(string topic) =>
        topic.Length > 0 && topic.AsSpan().IndexOfAny('+', '#') < 0;

    /// <summary>A topic filter: '+' fills a whole level, '#' is the whole last level.</summary>
    public static bool IsValidTopicFilter(string filter)
    {
        if (filter.Length == 0) return false;
        for (int i = 0; i < filter.Length; i++)
        {
            var c = filter[i];
            if (c == '+')
            {
                if ((i > 0 && filter[i - 1] != '/') || (i < filter.Length - 1 && filter[i + 1] != '/')) return false;
            }
            else if (c == '#')
            {
                if (i != filter.Length - 1 || (i > 0 && filter[i - 1] != '/')) return false;
            }
        }
        return true;
    }

    /// <summary>Whether <paramref name="topic"/> matches <paramref name="filter"/> (no $share handling).</summary>
    public static bool Matches(string filter, string topic)
    {
        if (topic.StartsWith('$') && (filter.StartsWith('+') || filter.StartsWith('#'))) return false;
        var f = filter.Split('/');
        var t = topic.Split('/');
        for (int i = 0; i < f.Length; i++)
        {
            if (f[i] == "#") return true;
            if (i >= t.Length) return false;
            if (f[i] != "+" && f[i] != t[i]) return false;
        }
        return f.Length == t.Length;
    }
}
