/** Previous / next over an offset-paginated list, with "21–40 of 57". */
import { useTranslation } from "react-i18next";

import { formatNumber } from "../settings/format";

export function Pager({
  label,
  offset,
  limit,
  total,
  shown,
  onOffset,
}: {
  label: string;
  offset: number;
  limit: number;
  total: number;
  shown: number;
  onOffset: (offset: number) => void;
}) {
  const { t, i18n } = useTranslation("admin");
  if (total === 0) return null;
  const n = (value: number) => formatNumber(value, i18n.language);
  return (
    <nav className="pager row" aria-label={label}>
      <button
        type="button"
        className="button small"
        disabled={offset === 0}
        onClick={() => onOffset(Math.max(0, offset - limit))}
      >
        {t("previous")}
      </button>
      <span className="muted" aria-live="polite">
        {t("range", { from: n(Math.min(total, offset + 1)), to: n(offset + shown), total: n(total) })}
      </span>
      <button
        type="button"
        className="button small"
        disabled={offset + limit >= total}
        onClick={() => onOffset(offset + limit)}
      >
        {t("next")}
      </button>
    </nav>
  );
}
