using System.Security.Cryptography;
using System.Text;

namespace Arbitrage.Orleans.Grains;

/// <summary>
/// The digest of a text: the lower-case hex SHA-256 of its UTF-8 bytes. Ids and fingerprints derived from text are made
/// with it (the workload ids of group members and request machines, ids made from an Idempotency-Key, request
/// fingerprints, token keys, reservation and node-group ids), and they are stored: the digest must never change, or a
/// stored id would no longer be found (TextDigestTests pin it).
/// </summary>
public static class TextDigest
{
    /// <summary>64 lower-case hex characters; a prefix of them (<c>[..16]</c>) where an id is shorter.</summary>
    public static string Sha256Hex(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
