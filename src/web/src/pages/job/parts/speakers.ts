/** Speakers' display names and colours, the same on the job page and the share page. */
import { useCallback, useMemo } from "react";
import { useTranslation } from "react-i18next";

/** How many speaker colours job.css defines (`.speaker-slot-0` ...). */
export const SPEAKER_SLOTS = 8;

export function useSpeakers(labels: readonly string[], names: Readonly<Record<string, string>> | undefined) {
  const { t } = useTranslation("job");
  const slots = useMemo(() => new Map(labels.map((label, i) => [label, i % SPEAKER_SLOTS])), [labels]);
  const speakerName = useCallback(
    (label: string) => names?.[label] || t("speakers.default", { label }),
    [names, t],
  );
  const speakerSlot = useCallback((label: string) => slots.get(label) ?? 0, [slots]);
  return { speakerName, speakerSlot };
}
