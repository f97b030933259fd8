using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using SmartFactoryEdge.Devices.Linux;

namespace SmartFactoryEdge.Devices.Tests.Linux;

/// <summary>
/// Compiles a small C program against the installed kernel uAPI headers (Debian's linux-libc-dev) that prints
/// sizeof/offsetof of every ioctl struct and the ioctl request numbers, and compares them with our mirrors.
/// </summary>
public sealed class LinuxAbiTests
{
    private const string Program = """
        #include <stdio.h>
        #include <stddef.h>
        #include <linux/gpio.h>
        #include <linux/i2c.h>
        #include <linux/i2c-dev.h>
        #include <linux/i2c.h>
        #include <linux/spi/spidev.h>
        #define S(t) printf("sizeof." #t " %zu\n", sizeof(struct t));
        #define O(t, f) printf("offsetof." #t "." #f " %zu\n", offsetof(struct t, f));
        #define N(n) printf("ioctl." #n " %lu\n", (unsigned long)(n));
        int main(void) {
          S(gpiochip_info) O(gpiochip_info, name) O(gpiochip_info, label) O(gpiochip_info, lines)
          S(gpio_v2_line_values) O(gpio_v2_line_values, bits) O(gpio_v2_line_values, mask)
          S(gpio_v2_line_attribute) O(gpio_v2_line_attribute, id) O(gpio_v2_line_attribute, flags) O(gpio_v2_line_attribute, values) O(gpio_v2_line_attribute, debounce_period_us)
          S(gpio_v2_line_config_attribute) O(gpio_v2_line_config_attribute, attr) O(gpio_v2_line_config_attribute, mask)
          S(gpio_v2_line_config) O(gpio_v2_line_config, flags) O(gpio_v2_line_config, num_attrs) O(gpio_v2_line_config, attrs)
          S(gpio_v2_line_request) O(gpio_v2_line_request, offsets) O(gpio_v2_line_request, consumer) O(gpio_v2_line_request, config) O(gpio_v2_line_request, num_lines) O(gpio_v2_line_request, event_buffer_size) O(gpio_v2_line_request, fd)
          S(gpio_v2_line_info) O(gpio_v2_line_info, name) O(gpio_v2_line_info, consumer) O(gpio_v2_line_info, offset) O(gpio_v2_line_info, num_attrs) O(gpio_v2_line_info, flags) O(gpio_v2_line_info, attrs)
          S(gpio_v2_line_event) O(gpio_v2_line_event, timestamp_ns) O(gpio_v2_line_event, id) O(gpio_v2_line_event, offset) O(gpio_v2_line_event, seqno) O(gpio_v2_line_event, line_seqno)
          S(i2c_msg) O(i2c_msg, addr) O(i2c_msg, flags) O(i2c_msg, len) O(i2c_msg, buf)
          S(i2c_rdwr_ioctl_data) O(i2c_rdwr_ioctl_data, msgs) O(i2c_rdwr_ioctl_data, nmsgs)
          S(i2c_smbus_ioctl_data) O(i2c_smbus_ioctl_data, read_write) O(i2c_smbus_ioctl_data, command) O(i2c_smbus_ioctl_data, size) O(i2c_smbus_ioctl_data, data)
          printf("sizeof.i2c_smbus_data %zu\n", sizeof(union i2c_smbus_data));
          N(I2C_SMBUS) N(I2C_FUNC_I2C) N(I2C_FUNC_SMBUS_READ_BYTE_DATA) N(I2C_FUNC_SMBUS_READ_I2C_BLOCK) N(I2C_FUNC_SMBUS_WRITE_I2C_BLOCK) N(I2C_SMBUS_I2C_BLOCK_DATA) N(I2C_SMBUS_BYTE_DATA) N(I2C_SMBUS_BLOCK_MAX)
          S(spi_ioc_transfer) O(spi_ioc_transfer, tx_buf) O(spi_ioc_transfer, rx_buf) O(spi_ioc_transfer, len) O(spi_ioc_transfer, speed_hz) O(spi_ioc_transfer, delay_usecs) O(spi_ioc_transfer, bits_per_word) O(spi_ioc_transfer, cs_change) O(spi_ioc_transfer, tx_nbits) O(spi_ioc_transfer, rx_nbits) O(spi_ioc_transfer, word_delay_usecs)
          N(GPIO_GET_CHIPINFO_IOCTL) N(GPIO_V2_GET_LINEINFO_IOCTL) N(GPIO_V2_GET_LINE_IOCTL) N(GPIO_V2_LINE_SET_CONFIG_IOCTL) N(GPIO_V2_LINE_GET_VALUES_IOCTL) N(GPIO_V2_LINE_SET_VALUES_IOCTL)
          N(I2C_SLAVE) N(I2C_SLAVE_FORCE) N(I2C_FUNCS) N(I2C_RDWR) N(I2C_M_RD) N(I2C_RDWR_IOCTL_MAX_MSGS)
          N(SPI_IOC_MESSAGE(1)) N(SPI_IOC_MESSAGE(2)) N(SPI_IOC_WR_MODE) N(SPI_IOC_RD_MODE) N(SPI_IOC_WR_BITS_PER_WORD) N(SPI_IOC_WR_MAX_SPEED_HZ) N(SPI_IOC_WR_MODE32)
          N(GPIO_V2_LINE_FLAG_INPUT) N(GPIO_V2_LINE_FLAG_OUTPUT) N(GPIO_V2_LINE_FLAG_EDGE_RISING) N(GPIO_V2_LINE_FLAG_EDGE_FALLING) N(GPIO_V2_LINE_FLAG_BIAS_PULL_UP) N(GPIO_V2_LINE_FLAG_BIAS_PULL_DOWN) N(GPIO_V2_LINE_FLAG_BIAS_DISABLED) N(GPIO_V2_LINE_FLAG_ACTIVE_LOW)
          N(GPIO_V2_LINE_ATTR_ID_DEBOUNCE) N(GPIO_V2_LINE_EVENT_RISING_EDGE) N(GPIO_V2_LINE_EVENT_FALLING_EDGE)
          return 0;
        }
        """;

    private static readonly Lazy<(Dictionary<string, ulong>? Values, string? Why)> Header = new(CompileAndRun);

    public static IEnumerable<object[]> Expectations()
    {
        static IEnumerable<(string, ulong)> All()
        {
            (string, ulong) S<T>(string name) where T : struct => ("sizeof." + name, (ulong)Marshal.SizeOf<T>());
            (string, ulong) O<T>(string name, string cField, string field) where T : struct => ($"offsetof.{name}.{cField}", (ulong)Marshal.OffsetOf<T>(field));

            yield return S<GpioChipInfo>("gpiochip_info");
            yield return O<GpioChipInfo>("gpiochip_info", "name", nameof(GpioChipInfo.Name));
            yield return O<GpioChipInfo>("gpiochip_info", "label", nameof(GpioChipInfo.Label));
            yield return O<GpioChipInfo>("gpiochip_info", "lines", nameof(GpioChipInfo.Lines));
            yield return S<GpioV2LineValues>("gpio_v2_line_values");
            yield return O<GpioV2LineValues>("gpio_v2_line_values", "bits", nameof(GpioV2LineValues.Bits));
            yield return O<GpioV2LineValues>("gpio_v2_line_values", "mask", nameof(GpioV2LineValues.Mask));
            yield return S<GpioV2LineAttribute>("gpio_v2_line_attribute");
            yield return O<GpioV2LineAttribute>("gpio_v2_line_attribute", "id", nameof(GpioV2LineAttribute.Id));
            yield return O<GpioV2LineAttribute>("gpio_v2_line_attribute", "flags", nameof(GpioV2LineAttribute.Flags));
            yield return O<GpioV2LineAttribute>("gpio_v2_line_attribute", "values", nameof(GpioV2LineAttribute.Values));
            yield return O<GpioV2LineAttribute>("gpio_v2_line_attribute", "debounce_period_us", nameof(GpioV2LineAttribute.DebouncePeriodMicroseconds));
            yield return S<GpioV2LineConfigAttribute>("gpio_v2_line_config_attribute");
            yield return O<GpioV2LineConfigAttribute>("gpio_v2_line_config_attribute", "attr", nameof(GpioV2LineConfigAttribute.Attribute));
            yield return O<GpioV2LineConfigAttribute>("gpio_v2_line_config_attribute", "mask", nameof(GpioV2LineConfigAttribute.Mask));
            yield return S<GpioV2LineConfig>("gpio_v2_line_config");
            yield return O<GpioV2LineConfig>("gpio_v2_line_config", "flags", nameof(GpioV2LineConfig.Flags));
            yield return O<GpioV2LineConfig>("gpio_v2_line_config", "num_attrs", nameof(GpioV2LineConfig.NumAttributes));
            yield return O<GpioV2LineConfig>("gpio_v2_line_config", "attrs", nameof(GpioV2LineConfig.Attributes));
            yield return S<GpioV2LineRequest>("gpio_v2_line_request");
            yield return O<GpioV2LineRequest>("gpio_v2_line_request", "offsets", nameof(GpioV2LineRequest.Offsets));
            yield return O<GpioV2LineRequest>("gpio_v2_line_request", "consumer", nameof(GpioV2LineRequest.Consumer));
            yield return O<GpioV2LineRequest>("gpio_v2_line_request", "config", nameof(GpioV2LineRequest.Config));
            yield return O<GpioV2LineRequest>("gpio_v2_line_request", "num_lines", nameof(GpioV2LineRequest.NumLines));
            yield return O<GpioV2LineRequest>("gpio_v2_line_request", "event_buffer_size", nameof(GpioV2LineRequest.EventBufferSize));
            yield return O<GpioV2LineRequest>("gpio_v2_line_request", "fd", nameof(GpioV2LineRequest.Fd));
            yield return S<GpioV2LineInfo>("gpio_v2_line_info");
            yield return O<GpioV2LineInfo>("gpio_v2_line_info", "name", nameof(GpioV2LineInfo.Name));
            yield return O<GpioV2LineInfo>("gpio_v2_line_info", "consumer", nameof(GpioV2LineInfo.Consumer));
            yield return O<GpioV2LineInfo>("gpio_v2_line_info", "offset", nameof(GpioV2LineInfo.Offset));
            yield return O<GpioV2LineInfo>("gpio_v2_line_info", "num_attrs", nameof(GpioV2LineInfo.NumAttributes));
            yield return O<GpioV2LineInfo>("gpio_v2_line_info", "flags", nameof(GpioV2LineInfo.Flags));
            yield return O<GpioV2LineInfo>("gpio_v2_line_info", "attrs", nameof(GpioV2LineInfo.Attributes));
            yield return S<GpioV2LineEvent>("gpio_v2_line_event");
            yield return O<GpioV2LineEvent>("gpio_v2_line_event", "timestamp_ns", nameof(GpioV2LineEvent.TimestampNanoseconds));
            yield return O<GpioV2LineEvent>("gpio_v2_line_event", "id", nameof(GpioV2LineEvent.Id));
            yield return O<GpioV2LineEvent>("gpio_v2_line_event", "offset", nameof(GpioV2LineEvent.Offset));
            yield return O<GpioV2LineEvent>("gpio_v2_line_event", "seqno", nameof(GpioV2LineEvent.SequenceNumber));
            yield return O<GpioV2LineEvent>("gpio_v2_line_event", "line_seqno", nameof(GpioV2LineEvent.LineSequenceNumber));
            yield return S<I2cMessage>("i2c_msg");
            yield return O<I2cMessage>("i2c_msg", "addr", nameof(I2cMessage.Address));
            yield return O<I2cMessage>("i2c_msg", "flags", nameof(I2cMessage.Flags));
            yield return O<I2cMessage>("i2c_msg", "len", nameof(I2cMessage.Length));
            yield return O<I2cMessage>("i2c_msg", "buf", nameof(I2cMessage.Buffer));
            yield return S<I2cRdwrIoctlData>("i2c_rdwr_ioctl_data");
            yield return O<I2cRdwrIoctlData>("i2c_rdwr_ioctl_data", "msgs", nameof(I2cRdwrIoctlData.Messages));
            yield return O<I2cRdwrIoctlData>("i2c_rdwr_ioctl_data", "nmsgs", nameof(I2cRdwrIoctlData.MessageCount));
            yield return S<I2cSmbusIoctlData>("i2c_smbus_ioctl_data");
            yield return O<I2cSmbusIoctlData>("i2c_smbus_ioctl_data", "read_write", nameof(I2cSmbusIoctlData.ReadWrite));
            yield return O<I2cSmbusIoctlData>("i2c_smbus_ioctl_data", "command", nameof(I2cSmbusIoctlData.Command));
            yield return O<I2cSmbusIoctlData>("i2c_smbus_ioctl_data", "size", nameof(I2cSmbusIoctlData.Size));
            yield return O<I2cSmbusIoctlData>("i2c_smbus_ioctl_data", "data", nameof(I2cSmbusIoctlData.Data));
            yield return S<I2cSmbusData>("i2c_smbus_data");
            yield return ("ioctl.I2C_SMBUS", I2cSmbus.Ioctl);
            yield return ("ioctl.I2C_FUNC_I2C", I2cSmbus.FunctionalityI2c);
            yield return ("ioctl.I2C_FUNC_SMBUS_READ_BYTE_DATA", I2cSmbus.FunctionalitySmbusReadByteData);
            yield return ("ioctl.I2C_FUNC_SMBUS_READ_I2C_BLOCK", I2cSmbus.FunctionalitySmbusReadI2cBlock);
            yield return ("ioctl.I2C_FUNC_SMBUS_WRITE_I2C_BLOCK", I2cSmbus.FunctionalitySmbusWriteI2cBlock);
            yield return ("ioctl.I2C_SMBUS_I2C_BLOCK_DATA", I2cSmbus.SizeI2cBlockData);
            yield return ("ioctl.I2C_SMBUS_BYTE_DATA", I2cSmbus.SizeByteData);
            yield return ("ioctl.I2C_SMBUS_BLOCK_MAX", I2cSmbus.BlockMax);
            yield return S<SpiIocTransfer>("spi_ioc_transfer");
            yield return O<SpiIocTransfer>("spi_ioc_transfer", "tx_buf", nameof(SpiIocTransfer.TxBuffer));
            yield return O<SpiIocTransfer>("spi_ioc_transfer", "rx_buf", nameof(SpiIocTransfer.RxBuffer));
            yield return O<SpiIocTransfer>("spi_ioc_transfer", "len", nameof(SpiIocTransfer.Length));
            yield return O<SpiIocTransfer>("spi_ioc_transfer", "speed_hz", nameof(SpiIocTransfer.SpeedHz));
            yield return O<SpiIocTransfer>("spi_ioc_transfer", "delay_usecs", nameof(SpiIocTransfer.DelayMicroseconds));
            yield return O<SpiIocTransfer>("spi_ioc_transfer", "bits_per_word", nameof(SpiIocTransfer.BitsPerWord));
            yield return O<SpiIocTransfer>("spi_ioc_transfer", "cs_change", nameof(SpiIocTransfer.CsChange));
            yield return O<SpiIocTransfer>("spi_ioc_transfer", "tx_nbits", nameof(SpiIocTransfer.TxNbits));
            yield return O<SpiIocTransfer>("spi_ioc_transfer", "rx_nbits", nameof(SpiIocTransfer.RxNbits));
            yield return O<SpiIocTransfer>("spi_ioc_transfer", "word_delay_usecs", nameof(SpiIocTransfer.WordDelayMicroseconds));

            yield return ("ioctl.GPIO_GET_CHIPINFO_IOCTL", GpioV2.GetChipInfoIoctl);
            yield return ("ioctl.GPIO_V2_GET_LINEINFO_IOCTL", GpioV2.GetLineInfoIoctl);
            yield return ("ioctl.GPIO_V2_GET_LINE_IOCTL", GpioV2.GetLineIoctl);
            yield return ("ioctl.GPIO_V2_LINE_SET_CONFIG_IOCTL", GpioV2.LineSetConfigIoctl);
            yield return ("ioctl.GPIO_V2_LINE_GET_VALUES_IOCTL", GpioV2.LineGetValuesIoctl);
            yield return ("ioctl.GPIO_V2_LINE_SET_VALUES_IOCTL", GpioV2.LineSetValuesIoctl);
            yield return ("ioctl.I2C_SLAVE", I2cDev.Slave);
            yield return ("ioctl.I2C_SLAVE_FORCE", I2cDev.SlaveForce);
            yield return ("ioctl.I2C_FUNCS", I2cDev.Funcs);
            yield return ("ioctl.I2C_RDWR", I2cDev.Rdwr);
            yield return ("ioctl.I2C_M_RD", I2cDev.MessageRead);
            yield return ("ioctl.I2C_RDWR_IOCTL_MAX_MSGS", I2cDev.RdwrMaxMessages);
            yield return ("ioctl.SPI_IOC_MESSAGE(1)", SpiDev.Message(1));
            yield return ("ioctl.SPI_IOC_MESSAGE(2)", SpiDev.Message(2));
            yield return ("ioctl.SPI_IOC_WR_MODE", SpiDev.WriteMode);
            yield return ("ioctl.SPI_IOC_RD_MODE", SpiDev.ReadMode);
            yield return ("ioctl.SPI_IOC_WR_BITS_PER_WORD", SpiDev.WriteBitsPerWord);
            yield return ("ioctl.SPI_IOC_WR_MAX_SPEED_HZ", SpiDev.WriteMaxSpeedHz);
            yield return ("ioctl.SPI_IOC_WR_MODE32", SpiDev.WriteMode32);
            yield return ("ioctl.GPIO_V2_LINE_FLAG_INPUT", GpioV2.FlagInput);
            yield return ("ioctl.GPIO_V2_LINE_FLAG_OUTPUT", GpioV2.FlagOutput);
            yield return ("ioctl.GPIO_V2_LINE_FLAG_EDGE_RISING", GpioV2.FlagEdgeRising);
            yield return ("ioctl.GPIO_V2_LINE_FLAG_EDGE_FALLING", GpioV2.FlagEdgeFalling);
            yield return ("ioctl.GPIO_V2_LINE_FLAG_BIAS_PULL_UP", GpioV2.FlagBiasPullUp);
            yield return ("ioctl.GPIO_V2_LINE_FLAG_BIAS_PULL_DOWN", GpioV2.FlagBiasPullDown);
            yield return ("ioctl.GPIO_V2_LINE_FLAG_BIAS_DISABLED", GpioV2.FlagBiasDisabled);
            yield return ("ioctl.GPIO_V2_LINE_FLAG_ACTIVE_LOW", GpioV2.FlagActiveLow);
            yield return ("ioctl.GPIO_V2_LINE_ATTR_ID_DEBOUNCE", GpioV2.AttributeIdDebounce);
            yield return ("ioctl.GPIO_V2_LINE_EVENT_RISING_EDGE", GpioV2.EventRisingEdge);
            yield return ("ioctl.GPIO_V2_LINE_EVENT_FALLING_EDGE", GpioV2.EventFallingEdge);
        }
        return All().Select(e => new object[] { e.Item1, e.Item2 });
    }

    [SkippableHeaderFact]
    public void EveryStructSizeOffsetAndIoctlNumberMatchesTheKernelHeaders()
    {
        var (values, why) = Header.Value;
        Assert.True(values is not null, why);
        var mismatches = new List<string>();
        foreach (var row in Expectations())
        {
            var key = (string)row[0];
            var ours = (ulong)row[1];
            if (!values!.TryGetValue(key, out var theirs)) mismatches.Add($"{key}: not printed by the C program");
            else if (theirs != ours) mismatches.Add($"{key}: kernel {theirs} (0x{theirs:X}), ours {ours} (0x{ours:X})");
        }
        Assert.True(mismatches.Count == 0, string.Join(Environment.NewLine, mismatches));
        Assert.True(values!.Count >= Expectations().Count(), "The C program printed fewer values than we check.");
    }

    [Fact]
    public void IowrMatchesTheKernelMacroForAKnownNumber()
    {
        // GPIO_V2_GET_LINE_IOCTL is 0xC250B407 on every generic-ioctl architecture (592-byte request).
        Assert.Equal(0xC250B407u, GpioV2.GetLineIoctl);
        Assert.Equal(0x40206B00u, SpiDev.Message(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Ioctl.Iowr(0xB4, 1, 1u << 14));
    }

    internal static string? WhyHeadersAreMissing()
    {
        if (FindOnPath("gcc") is null) return "gcc is not installed (run scripts/install.sh: install.d/40-devices.sh installs gcc and linux-libc-dev).";
        if (!File.Exists("/usr/include/linux/gpio.h") || !File.Exists("/usr/include/linux/spi/spidev.h"))
            return "Kernel uAPI headers are missing (/usr/include/linux/gpio.h); install Debian's linux-libc-dev (scripts/install.d/40-devices.sh).";
        return null;
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name)).FirstOrDefault(File.Exists);

    private static (Dictionary<string, ulong>?, string?) CompileAndRun()
    {
        var dir = Directory.CreateTempSubdirectory("sfe-abi-");
        try
        {
            var source = Path.Combine(dir.FullName, "abi.c");
            var exe = Path.Combine(dir.FullName, "abi");
            File.WriteAllText(source, Program);
            var (rc, _, err) = Run("gcc", $"-std=gnu11 -O0 -o \"{exe}\" \"{source}\"");
            if (rc != 0) return (null, "gcc failed: " + err);
            var (rc2, output, err2) = Run(exe, "");
            if (rc2 != 0) return (null, "abi program failed: " + err2);
            var values = new Dictionary<string, ulong>(StringComparer.Ordinal);
            foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var space = line.LastIndexOf(' ');
                values[line[..space]] = ulong.Parse(line[(space + 1)..], CultureInfo.InvariantCulture);
            }
            return (values, null);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static (int, string, string) Run(string file, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result, stderr);
    }
}

/// <summary>A fact that is skipped, saying why, when gcc or the kernel headers are absent.</summary>
public sealed class SkippableHeaderFactAttribute : FactAttribute
{
    public SkippableHeaderFactAttribute()
    {
        if (LinuxAbiTests.WhyHeadersAreMissing() is { } why) Skip = why;
    }
}
