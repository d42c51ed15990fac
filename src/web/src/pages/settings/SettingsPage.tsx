/** `/app/settings`: the account, password, API keys, webhook endpoints, usage, and
 * deleting the account, each in its own section. */
import { useEffect } from "react";
import { useTranslation } from "react-i18next";

import { AccountSection } from "./AccountSection";
import { ApiKeysSection } from "./ApiKeysSection";
import { DeleteAccountSection } from "./DeleteAccountSection";
import { PasswordSection } from "./PasswordSection";
import { UsageSection } from "./UsageSection";
import { WebhooksSection } from "./WebhooksSection";
import "./settings.css";

export default function SettingsPage() {
  const { t } = useTranslation("settings");
  useEffect(() => {
    document.title = `${t("title")} · Transcribe`;
  }, [t]);
  return (
    <div className="settings stack">
      <h1>{t("title")}</h1>
      <div className="settings-grid">
        <AccountSection />
        <UsageSection />
        <PasswordSection />
        <ApiKeysSection />
        <WebhooksSection />
        <DeleteAccountSection />
      </div>
    </div>
  );
}
