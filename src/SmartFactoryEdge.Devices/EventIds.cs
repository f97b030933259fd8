namespace SmartFactoryEdge.Devices;

/// <summary>Log event ids of the Devices project: 8000-8999, one block of 100 per class.</summary>
internal static class EventIds
{
    // SensorSource: 8000-8099
    public const int SensorBusLoopStarted = 8001;
    public const int SensorDeviceFailed = 8002;
    public const int SensorDeviceStillFailing = 8003;
    public const int SensorDeviceRecovered = 8004;
    public const int SensorQuantityFailed = 8005;
    public const int SensorQuantityRecovered = 8006;
}
