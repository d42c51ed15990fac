/** A password input with the API's rules shown under it (8 to 128 characters). */
import { useId } from "react";
import { useTranslation } from "react-i18next";

import { PASSWORD_MAX, PASSWORD_MIN } from "../settings/format";

export function PasswordField({
  label,
  name,
  autoComplete,
  showRules = true,
  value,
  onChange,
}: {
  label: string;
  name: string;
  autoComplete: "new-password" | "current-password";
  showRules?: boolean;
  value?: string;
  onChange?: (value: string) => void;
}) {
  const { t } = useTranslation("auth");
  const id = useId();
  const hint = `${id}-rules`;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        name={name}
        type="password"
        autoComplete={autoComplete}
        required
        maxLength={autoComplete === "new-password" ? PASSWORD_MAX : undefined}
        aria-describedby={showRules ? hint : undefined}
        value={value}
        onChange={onChange ? (event) => onChange(event.target.value) : undefined}
      />
      {showRules && (
        <small id={hint}>{t("passwordRules", { min: PASSWORD_MIN, max: PASSWORD_MAX })}</small>
      )}
    </div>
  );
}
