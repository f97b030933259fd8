using System.Security.Cryptography;
using Ascii = System.Text.Encoding;
using SmartFactoryEdge.Core;
using SmartFactoryEdge.OpcUa.Security;

namespace SmartFactoryEdge.OpcUa.Tests.Security;

/// <summary>
/// Known answers computed outside .NET: P_SHA256 and the derived keys with Python 3's hmac/hashlib
/// (a 10-line P_SHA256 loop), HMAC-SHA256 from RFC 4231 test case 2, AES-CBC from NIST SP 800-38A F.2.1/F.2.5
/// (cross-checked with "openssl enc -nopad"), RSA signatures and OAEP ciphertexts made with OpenSSL 3
/// ("openssl dgst -sha256 -sign", "-sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32",
/// "openssl pkeyutl -encrypt -pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha1|sha256") with the key below.
/// </summary>
public class CryptoKnownAnswerTests
{
    private const string TestKeyPem = """
-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCoV4km5qpvgEwA
ZrzGhMx+0mQF7K4Q49r/Y6t9SydMN1dP1ZM5mkkciwvnP037UsyvFpP6HquptcTc
SQEG6WryKnENVo7S9xxt3SA2CpZ1lzPrZo9wpKnvWBDvmMg7EwRVBdj8vzxRw952
j9wt7h2GATTRYwHtwhhUXOAaKp2LmY2PVsVy/enamtvSU5jh+A1UlfGi1Kk+FQpX
ZBQLXCriaIBr2w+rfH0y7XKCaoTBjJKmOAD6RiwbucuU/NNpgJ6somJ97vjW+uDt
RPpV1NWpaLO+lxkD0GFR4mNuqOSYYUPl6lEW2p5L9jUdh4JOMskMuaOET5b/sTM5
TPZ3CbFRAgMBAAECggEAAkHDLVX2Fr7Y9f/qm7w7zB74t5Id3szZOqeMzOYZKabL
yT6XJdRtUsBD+XaSLnKEmzvRoc6vtTuiPyRM6tluBT9fquK8UTR+KXRnmkXf0MWF
TQx/044nl5V+C6JIG++kNRoaF8BeGAgI11zUIjsBIxLo0P5TcCs0HYxttjgYSt7v
ZurBBXM7tZXV15kzfAjraTF/X3DEgkeOG4C62uGYo0uzWQ0FFhfcz9gvZCt4V7zR
REF/OePjAWnaZpI0/AJWAsKN+b/9vZ5CzLgNGuMf6lx/hgsqKrI4QJLPvp4/KCnp
ynDLFZIsZmkkEGPHVzisPLCyEpXGRdVQSDr53e0VgQKBgQDtJkm7xLqACVDROooM
Lr/cm0scHMh/L7ZxqH6Mo1vrrTKM+83eJEOF3/4DIcyEEVqj9qUrTjwGrlvhSwXI
UhILIIPosxG3O5wTfnfvJpOpUaM1c8vEgxWQCZjfPsYf2Dn4nkL7TXuksHuBBkRA
13eZGfILz45YHcYtaSh3/y8/kQKBgQC1uRggrOoZos25B7s/o2eNhuBk20RgPHWT
BWgHWwypJniYWXkRTKxWbjcUE7NzY45Ufw60x95ThV9tGOALuHaL8aP2FHGG63Vo
Odo+J6YK8wVfP+woEusgTWdl1TOBb2OCroRmiw2etqxsxUDI6Wph2RYcjy1PdXgL
vJ5m0sX1wQKBgAZ4UPKqf1wW5PmQW0vRyrI+GmJ99ophxtx6+Fjl7BAV/ZcTF57D
5oO0hL2ZIndH8e0fQYpY7BJSl3ciENpSQuPC01Z57DXPjoaJoMQJjWXFMGq46gpG
eUQgvub4U3dy8sHxr2ojxwfLONNgVGRgfIbUymHAG+YTieCbSdtcPvHBAoGATRnx
ULvMv3/BxUWwfrm3z+ZwApq9kg9U20Ip9yT8ZDA8bndX1K0xWaJ9n/kT5FtTIiqe
dLlwbQNjj4hEVvS2531o0Zmu6U2xjL0vCbwMyQx/NQCMFByiwhvVSPGCXuKB2Apv
hoptBu/+jE/MwvG1/zn6Fbfxw4rVmjU3B+1ZrIECgYEA7QRK3fIT1lZbBfacNMVa
tTtVJOte7342em3wwFY3IwQw0Z3HC2iGo/p+1KIU9OcNXOe9ekXDSpX+wigBGQaV
34Pvf1TmDyg5nrjOFAxdad+MWgVAhlO718wZM8sUH8KBVArONyXaudyWU4wyi5U3
TdfqZnOwtYEdTDzyCRrT+Og=
-----END PRIVATE KEY-----
""";

    private static readonly byte[] Message = Ascii.ASCII.GetBytes("OPC UA known answer");

    private static byte[] Hex(string hex) => Convert.FromHexString(hex);

    [Fact]
    public void PSha256MatchesTheTls12PrfVector()
    {
        // P_SHA256(secret, "test label" + seed), 100 bytes: the widely published TLS 1.2 PRF test vector, recomputed with Python hmac.
        var seed = Ascii.ASCII.GetBytes("test label").Concat(Hex("a0ba9f936cda311827a6f796ffd5198c")).ToArray();
        var output = new byte[100];
        KeyDerivation.PSha256(Hex("9bbe436ba940f017b17652849a71db35"), seed, output);
        Assert.Equal("e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff70187347b66", Convert.ToHexStringLower(output));
    }

    [Fact]
    public void ChannelKeysAreDerivedFromTheNoncesInSpecOrder()
    {
        // Python: client = P_SHA256(serverNonce, clientNonce)[:80], server = P_SHA256(clientNonce, serverNonce)[:80]
        // with clientNonce = bytes(range(32)), serverNonce = bytes(range(0x80, 0xa0)); split 32 signing | 32 encrypting | 16 IV.
        var clientNonce = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        var serverNonce = Enumerable.Range(0x80, 32).Select(i => (byte)i).ToArray();
        const string client = "2af527aa718110faf5eb0d676e2a0985495125fd62e6ad63b129793f8f6f43161b4b5e8d4e842728e1f9a047e998615c9bd646d620ab90a6cf46eea29d6c9842c3c4f8750b47e94eac19e52a5439dd1e";
        const string server = "a32cfbeae0a5afe142dadbecb94195a2685c99541cf5b71e9efd592a4b3648ffe7689712d1babf38c6352b86e5c0881a52af7b418d551caa289df8cf84278e708081af129e631f1a8c56f073c2d50ce8";
        var c = KeyDerivation.ClientKeys(SecurityPolicyInfo.Basic256Sha256, clientNonce, serverNonce);
        Assert.Equal(client, Convert.ToHexStringLower([.. c.SigningKey, .. c.EncryptingKey, .. c.InitializationVector]));
        var s = KeyDerivation.ServerKeys(SecurityPolicyInfo.Basic256Sha256, clientNonce, serverNonce);
        Assert.Equal(server, Convert.ToHexStringLower([.. s.SigningKey, .. s.EncryptingKey, .. s.InitializationVector]));
        // Aes128: 32 signing | 16 encrypting | 16 IV, taken from the same stream
        var a = KeyDerivation.ClientKeys(SecurityPolicyInfo.Aes128Sha256RsaOaep, clientNonce, serverNonce);
        Assert.Equal(client[..96], Convert.ToHexStringLower([.. a.SigningKey, .. a.EncryptingKey]));
        Assert.Equal(client[96..128], Convert.ToHexStringLower(a.InitializationVector));
    }

    [Fact]
    public void HmacSha256MatchesRfc4231()
    {
        using var crypto = new SymmetricCrypto(new DerivedKeys(Ascii.ASCII.GetBytes("Jefe"), new byte[32], new byte[16]));
        var data = Ascii.ASCII.GetBytes("what do ya want for nothing?");
        var signature = new byte[32];
        crypto.Sign(data, signature);
        Assert.Equal("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", Convert.ToHexStringLower(signature));
        Assert.True(crypto.Verify(data, signature));
        signature[5] ^= 1;
        Assert.False(crypto.Verify(data, signature));
        Assert.False(crypto.Verify(data, signature.AsSpan(0, 31)));
    }

    [Theory]
    [InlineData("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4", "f58c4c04d6e5f1ba779eabfb5f7bfbd69cfc4e967edb808d679f777bc6702c7d")]
    [InlineData("2b7e151628aed2a6abf7158809cf4f3c", "7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b2")]
    public void AesCbcMatchesNistVectorsInPlace(string key, string expected)
    {
        using var crypto = new SymmetricCrypto(new DerivedKeys(new byte[32], Hex(key), Hex("000102030405060708090a0b0c0d0e0f")));
        var data = Hex("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51");
        crypto.Encrypt(data);
        Assert.Equal(expected, Convert.ToHexStringLower(data));
        crypto.Decrypt(data);
        Assert.Equal("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51", Convert.ToHexStringLower(data));
        Assert.Throws<ProtocolViolationException>(() => crypto.Encrypt(new byte[17]));
    }

    [Theory]
    // plain = sequence header + body; AES: 16-byte blocks, 32-byte HMAC
    [InlineData(8 + 100, 32, 16, false, 4, "03030303")]          // 108 + 4 + 32 = 144 = 9 blocks
    [InlineData(8 + 103, 32, 16, false, 1, "00")]                // 111 + 1 + 32 = 144
    [InlineData(8 + 104, 32, 16, false, 16, "0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f")]
    // RSA-OAEP-SHA1 with a 4096-bit key: 512 - 42 = 470-byte blocks, 512-byte signature, ExtraPaddingSize present
    [InlineData(500, 512, 470, true, 398, null)]                 // 500 + 398 + 512 = 1410 = 3 blocks; 396 = 0x018c
    public void PaddingFillsWholeBlocks(int plainLength, int signatureLength, int blockSize, bool extra, int expectedLength, string? expectedHex)
    {
        var length = MessagePadding.Length(plainLength, signatureLength, blockSize, extra);
        Assert.Equal(expectedLength, length);
        Assert.Equal(0, (plainLength + length + signatureLength) % blockSize);
        var padding = new byte[length];
        MessagePadding.Write(padding, length, extra);
        if (expectedHex is not null) Assert.Equal(expectedHex, Convert.ToHexStringLower(padding));
        if (extra)
        {
            Assert.Equal(0x8c, padding[0]);
            Assert.Equal(0x8c, padding[^2]);
            Assert.Equal(0x01, padding[^1]);
        }
        var chunk = new byte[plainLength].Concat(padding).ToArray();
        Assert.Equal(length, MessagePadding.Read(chunk, extra));
    }

    [Fact]
    public void InconsistentPaddingIsRejected()
    {
        Assert.Throws<ProtocolViolationException>(() => MessagePadding.Read([1, 2, 3, 3, 2, 3], false));   // a padding byte differs
        Assert.Throws<ProtocolViolationException>(() => MessagePadding.Read([9, 9, 9], false));            // longer than the chunk
        Assert.Throws<ProtocolViolationException>(() => MessagePadding.Read([], false));
        Assert.Throws<ProtocolViolationException>(() => MessagePadding.Read([2, 2, 0x01], true));           // 0x0102 bytes of padding
        Assert.Equal(3, MessagePadding.Read([7, 1, 1, 0], true));
    }

    [Theory]
    [InlineData("Basic256Sha256", "mQN5w5LvCTg4nOfZ4fCfR80kihplBsboR588UhSorNDz591bSpOaiAtKcpqx3Xhp+txnUN4U+kMGXqucv7dX6adC4ApbsgKv1lh7e1VwHDYHjR/LR23vcx/XfF/ASxFkuJB55+Xo1XQ9qmiiJn37/aRAgllwiKnvafOI8MMO6w1pnicsVRjbh+zounA1sPXEgF/fAFHGdPbY/LXEQIdiEsJbkDKbg2moBvAcBFx9hTLny+msL5xDBR58w86pOgqov+eXbU3G3jpvDS4REzK2Ze9USqv1NLIz2EapEpnz1lIk4Wj3ET0e00lLASghCWWek04Ic/x8e70FBJ0MlegQqQ==")]
    [InlineData("Aes128_Sha256_RsaOaep", "mQN5w5LvCTg4nOfZ4fCfR80kihplBsboR588UhSorNDz591bSpOaiAtKcpqx3Xhp+txnUN4U+kMGXqucv7dX6adC4ApbsgKv1lh7e1VwHDYHjR/LR23vcx/XfF/ASxFkuJB55+Xo1XQ9qmiiJn37/aRAgllwiKnvafOI8MMO6w1pnicsVRjbh+zounA1sPXEgF/fAFHGdPbY/LXEQIdiEsJbkDKbg2moBvAcBFx9hTLny+msL5xDBR58w86pOgqov+eXbU3G3jpvDS4REzK2Ze9USqv1NLIz2EapEpnz1lIk4Wj3ET0e00lLASghCWWek04Ic/x8e70FBJ0MlegQqQ==")]
    public void RsaPkcs1Sha256SignatureMatchesOpenSsl(string policyName, string expectedBase64)
    {
        var policy = SecurityPolicyInfo.Supported.Single(p => p.Name == policyName);
        using var rsa = RSA.Create();
        rsa.ImportFromPem(TestKeyPem);
        Assert.Equal(expectedBase64, Convert.ToBase64String(AsymmetricCrypto.Sign(rsa, policy, Message))); // PKCS#1 v1.5 is deterministic
        Assert.True(AsymmetricCrypto.Verify(rsa, policy, Message, Convert.FromBase64String(expectedBase64)));
        Assert.False(AsymmetricCrypto.Verify(rsa, policy, Ascii.ASCII.GetBytes("OPC UA known answeR"), Convert.FromBase64String(expectedBase64)));
    }

    [Fact]
    public void RsaPssSha256SignatureFromOpenSslVerifies()
    {
        var policy = SecurityPolicyInfo.Aes256Sha256RsaPss;
        using var rsa = RSA.Create();
        rsa.ImportFromPem(TestKeyPem);
        var openSsl = Convert.FromBase64String("Kn2qsj+A5BniRHa+glxsjGKhpnfTyhxV0xWZOGRijx7T8BBtmhDZXGeDfzAjVNnxZI/QNNdba2XYktNyMxckr/lU6dZ3bHNykHHPd2nw1j7zvQECc5LiKXVs3eLGxmiOpzkVQpk2le0G1G4QRsrIJS9YxseXmmy8MdnNP40pv0iN1ALm6iRMd7oWuKzjA/LEoD/Ms8qej3p5CJfiyAJQO9R01DrE0iHgbrlBSHXjvr9CdRwXyYmZ8m6JK/a8pCLXQbmO0yPXMFxdk4m6A79Nqo5Xk/Gau7ueQw0uEfBurrUt+RJx7k13qmReE4d2/wuvNerS8vCAYs+O2vtbvUQNGw==");
        Assert.True(AsymmetricCrypto.Verify(rsa, policy, Message, openSsl));
        Assert.False(AsymmetricCrypto.Verify(rsa, SecurityPolicyInfo.Basic256Sha256, Message, openSsl)); // not a PKCS#1 signature
        var ours = AsymmetricCrypto.Sign(rsa, policy, Message);
        Assert.Equal(256, ours.Length);
        Assert.True(AsymmetricCrypto.Verify(rsa, policy, Message, ours));
    }

    [Theory]
    [InlineData("Basic256Sha256", "Y2RPaGaYY64RShRFCYQk8kPiNxc9oXcvRu7wjTm4qWxRjlnNOguJNazWJn9Ni+548t00BUAvys+OjJVIblX5Wggjd+5NQdu3PttagCA8nq3yovDvw9145L3K0aecnZ6yJ9MgQ0U5T2j8spjt/ywMUHF/CF6YnEgzsSaSE6XiNEDvEJivHH0NJyxCfr9gPiKSxoBCIyH4IzWThdNdV9JWfykxs4nVYre0HGLTtMchV3L+cExUXcM9/mdSW1ZWCZRN7mDYBbU34fK+ZwKkkRxE49jRk0m6aiXKAsRfK7UdvwJy4TvXmvQB2VvlNrzZOXcARFWJehYu1D6x3mc61hYzlg==")]
    [InlineData("Aes256_Sha256_RsaPss", "aiVf1J677pSfPMYhKguAfRbxYww5N3CvAo9ROb9lAxWsuj0eSB4GkHaDjK3Eo4VPr1I2g3I5mqgVBsxDNpMKjZyYgM+4n9iudwe3mXfbjMK9+3pXGetELNDZo9iseJO+/bSsvStX70UlzPLcprTWc1W6Em9bQErCJguvmseycMTEGPC3e3C8of+MF+xKXrmU0QxrkTuvrSFbqEe2pVqKJY3pUH8Fh43aYkHbjxRiB/+594sZM0s2cAJ6BOCk6JEgM0tF5CTerN/Y/HZSXLOpSqR7IQDH6rxQV7YhtYg2jMe19/3Cr6FQSZvESoTw6ZczCpqT3nPerf9j8GSCfhBqtw==")]
    public void RsaOaepCiphertextFromOpenSslDecrypts(string policyName, string cipherBase64)
    {
        var policy = SecurityPolicyInfo.Supported.Single(p => p.Name == policyName);
        using var rsa = RSA.Create();
        rsa.ImportFromPem(TestKeyPem);
        Assert.Equal(Message, AsymmetricCrypto.Decrypt(rsa, policy, Convert.FromBase64String(cipherBase64)));
        var other = SecurityPolicyInfo.Supported.First(p => p.AsymmetricEncryptionPadding != policy.AsymmetricEncryptionPadding);
        Assert.Throws<ProtocolViolationException>(() => AsymmetricCrypto.Decrypt(rsa, other, Convert.FromBase64String(cipherBase64)));
    }

    [Fact]
    public void RsaOaepEncryptsInBlocksAndRoundTrips()
    {
        using var rsa = RSA.Create();
        rsa.ImportFromPem(TestKeyPem);
        foreach (var policy in SecurityPolicyInfo.Supported)
        {
            var plain = Enumerable.Range(0, 3 * AsymmetricCrypto.PlainBlockSize(rsa, policy) - 5).Select(i => (byte)i).ToArray();
            var cipher = AsymmetricCrypto.Encrypt(rsa, policy, plain);
            Assert.Equal(3 * 256, cipher.Length);
            Assert.Equal(plain, AsymmetricCrypto.Decrypt(rsa, policy, cipher));
            Assert.Throws<ProtocolViolationException>(() => AsymmetricCrypto.Decrypt(rsa, policy, cipher.AsSpan(1)));
        }
        Assert.Equal(214, AsymmetricCrypto.PlainBlockSize(rsa, SecurityPolicyInfo.Basic256Sha256));
        Assert.Equal(190, AsymmetricCrypto.PlainBlockSize(rsa, SecurityPolicyInfo.Aes256Sha256RsaPss));
    }

    [Fact]
    public void PolicyDescriptionsMatchPart7()
    {
        Assert.Equal(SecurityPolicyInfo.Basic256Sha256, SecurityPolicyInfo.Find("http://opcfoundation.org/UA/SecurityPolicy#Basic256Sha256"));
        Assert.Null(SecurityPolicyInfo.Find("http://opcfoundation.org/UA/SecurityPolicy#None"));
        Assert.Equal(["Aes256_Sha256_RsaPss", "Basic256Sha256", "Aes128_Sha256_RsaOaep"], SecurityPolicyInfo.Supported.Select(p => p.Name));
        Assert.Equal((32, 32, 16), (SecurityPolicyInfo.Basic256Sha256.SigningKeyLength, SecurityPolicyInfo.Basic256Sha256.EncryptionKeyLength, SecurityPolicyInfo.Basic256Sha256.EncryptionBlockSize));
        Assert.Equal(16, SecurityPolicyInfo.Aes128Sha256RsaOaep.EncryptionKeyLength);
        Assert.Equal(SecurityPolicyInfo.RsaOaepSha256, SecurityPolicyInfo.Aes256Sha256RsaPss.AsymmetricEncryptionAlgorithm);
        Assert.Equal(RSASignaturePadding.Pss, SecurityPolicyInfo.Aes256Sha256RsaPss.AsymmetricSignaturePadding);
        Assert.All(SecurityPolicyInfo.Supported, p => Assert.Equal((2048, 4096, 32), (p.MinAsymmetricKeyLength, p.MaxAsymmetricKeyLength, p.NonceLength)));
    }
}
