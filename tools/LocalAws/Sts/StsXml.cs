using System.Globalization;
using System.Text;
using System.Xml;

namespace LocalAws.Sts;

/// <summary>STS Query-protocol responses, shaped as AWS writes them (namespace https://sts.amazonaws.com/doc/2011-06-15/).</summary>
internal static class StsXml
{
    public const string Namespace = "https://sts.amazonaws.com/doc/2011-06-15/";
    public const string ContentType = "text/xml";

    private static readonly XmlWriterSettings s_settings = new() { Encoding = new UTF8Encoding(false), Indent = false, OmitXmlDeclaration = true };

    public static byte[] AssumeRole(AssumeRoleResult result, string requestId)
    {
        ArgumentNullException.ThrowIfNull(result);
        return Write(writer =>
        {
            writer.WriteStartElement("AssumeRoleResponse", Namespace);
            writer.WriteStartElement("AssumeRoleResult");
            if (result.SourceIdentity is not null)
            {
                writer.WriteElementString("SourceIdentity", result.SourceIdentity);
            }

            writer.WriteStartElement("AssumedRoleUser");
            writer.WriteElementString("AssumedRoleId", result.AssumedRoleId);
            writer.WriteElementString("Arn", result.Arn);
            writer.WriteEndElement();
            writer.WriteStartElement("Credentials");
            writer.WriteElementString("AccessKeyId", result.AccessKeyId);
            writer.WriteElementString("SecretAccessKey", result.SecretAccessKey);
            writer.WriteElementString("SessionToken", result.SessionToken);
            writer.WriteElementString("Expiration", FormatTime(result.Expiration));
            writer.WriteEndElement();
            if (result.PackedPolicySize is { } packed)
            {
                writer.WriteElementString("PackedPolicySize", packed.ToString(CultureInfo.InvariantCulture));
            }

            writer.WriteEndElement();
            Metadata(writer, requestId);
            writer.WriteEndElement();
        });
    }

    public static byte[] GetCallerIdentity(string arn, string userId, string account, string requestId)
        => Write(writer =>
        {
            writer.WriteStartElement("GetCallerIdentityResponse", Namespace);
            writer.WriteStartElement("GetCallerIdentityResult");
            writer.WriteElementString("Arn", arn);
            writer.WriteElementString("UserId", userId);
            writer.WriteElementString("Account", account);
            writer.WriteEndElement();
            Metadata(writer, requestId);
            writer.WriteEndElement();
        });

    /// <summary><c>ErrorResponse/Error{Type,Code,Message}</c> + <c>RequestId</c>.</summary>
    public static byte[] Error(StsError error, string requestId)
    {
        ArgumentNullException.ThrowIfNull(error);
        return Write(writer =>
        {
            writer.WriteStartElement("ErrorResponse", Namespace);
            writer.WriteStartElement("Error");
            writer.WriteElementString("Type", error.Status >= 500 ? "Receiver" : "Sender");
            writer.WriteElementString("Code", error.Code);
            writer.WriteElementString("Message", error.Message);
            writer.WriteEndElement();
            writer.WriteElementString("RequestId", requestId);
            writer.WriteEndElement();
        });
    }

    public static string FormatTime(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static void Metadata(XmlWriter writer, string requestId)
    {
        writer.WriteStartElement("ResponseMetadata");
        writer.WriteElementString("RequestId", requestId);
        writer.WriteEndElement();
    }

    private static byte[] Write(Action<XmlWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var writer = XmlWriter.Create(buffer, s_settings))
        {
            body(writer);
        }

        return buffer.ToArray();
    }
}
