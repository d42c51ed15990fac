import i18next from "i18next";
import { describe, expect, it } from "vitest";

import { initialLanguage, NAMESPACES, setupI18n } from ".";

const files = import.meta.glob<Record<string, unknown>>("./*/*.json", { eager: true, import: "default" });

describe("interface language", () => {
  it("prefers ?lang=, then the remembered choice, then the browser", () => {
    expect(initialLanguage("?lang=ru", "en", ["en-US"])).toBe("ru");
    expect(initialLanguage("", "ru", ["en-US"])).toBe("ru");
    expect(initialLanguage("", null, ["de-DE", "ru-RU"])).toBe("ru");
    expect(initialLanguage("", null, ["de-DE"])).toBe("en");
    expect(initialLanguage("?lang=xx", null, ["en"])).toBe("en");
  });

  it("has the same keys in Russian as in English", () => {
    const keys = (value: unknown, prefix = ""): string[] =>
      value && typeof value === "object"
        ? Object.entries(value).flatMap(([k, v]) => keys(v, `${prefix}${k}.`))
        : [prefix.replace(/(_one|_few|_many|_other|_zero|_two)\.$/, ".")];
    for (const ns of NAMESPACES) {
      const en = new Set(keys(files[`./en/${ns}.json`]));
      const ru = new Set(keys(files[`./ru/${ns}.json`]));
      expect([...en].filter((k) => !ru.has(k)), `missing in ru/${ns}`).toEqual([]);
      expect([...ru].filter((k) => !en.has(k)), `missing in en/${ns}`).toEqual([]);
    }
  });

  it("uses Russian plural forms", async () => {
    await setupI18n("ru");
    i18next.addResourceBundle("ru", "test", {
      file_one: "{{count}} файл",
      file_few: "{{count}} файла",
      file_many: "{{count}} файлов",
    });
    const t = i18next.getFixedT("ru", "test");
    expect(t("file", { count: 1 })).toBe("1 файл");
    expect(t("file", { count: 3 })).toBe("3 файла");
    expect(t("file", { count: 5 })).toBe("5 файлов");
    expect(t("file", { count: 21 })).toBe("21 файл");
  });
});
