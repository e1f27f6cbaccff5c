namespace LocalAws.CloudFormation;

/// <summary>One thing in a template LocalAws cannot resolve or does not support; collected and reported at start-up.</summary>
internal sealed class TemplateException : Exception
{
    public TemplateException()
    {
    }

    public TemplateException(string message)
        : base(message)
    {
    }

    public TemplateException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
