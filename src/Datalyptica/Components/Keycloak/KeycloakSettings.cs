using Datalyptica.Contracts;

namespace Datalyptica.Components.Keycloak;

public static class KeycloakSettings
{
    public static readonly TextSetting Realm = new("keycloak_realm", AppPlatform.DefaultRealm, "the realm every application logs users in through")
        { Scope = SettingScope.Host, Pattern = SettingPatterns.Token, PatternDescription = SettingPatterns.TokenText };

    public static readonly IReadOnlyList<SettingSpec> All = [Realm];
}
