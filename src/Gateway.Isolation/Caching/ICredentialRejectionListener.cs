namespace Gateway.Isolation.Caching;

/// <summary>
/// What the backplane hands a <see cref="CredentialsRejectedMessage"/> to (the credential cache): Caching knows this
/// interface only, as with <see cref="IUserEviction"/>.
/// </summary>
internal interface ICredentialRejectionListener
{
    /// <summary>Drops this instance's copy of the rejected set (if it still holds that one) and starts the key's cooldown.</summary>
    void OnCredentialsRejected(CredentialsRejectedMessage message);
}
