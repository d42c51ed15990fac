import { describe, expect, it } from "vitest";

import { shortcutFor } from "./shortcuts";

function key(key: string, target: EventTarget | null = document.body, extra: Partial<KeyboardEvent> = {}) {
  return { key, target, ctrlKey: false, metaKey: false, altKey: false, defaultPrevented: false, ...extra };
}

describe("shortcutFor", () => {
  it("maps the keys", () => {
    expect(shortcutFor(key(" "))).toBe("toggle");
    expect(shortcutFor(key("k"))).toBe("toggle");
    expect(shortcutFor(key("j"))).toBe("back");
    expect(shortcutFor(key("ArrowLeft"))).toBe("back");
    expect(shortcutFor(key("l"))).toBe("forward");
    expect(shortcutFor(key("ArrowRight"))).toBe("forward");
    expect(shortcutFor(key("<"))).toBe("slower");
    expect(shortcutFor(key(">"))).toBe("faster");
    expect(shortcutFor(key("x"))).toBeNull();
  });

  it("stays quiet while typing or with modifiers", () => {
    for (const tag of ["input", "textarea", "select"]) {
      expect(shortcutFor(key(" ", document.createElement(tag)))).toBeNull();
      expect(shortcutFor(key("k", document.createElement(tag)))).toBeNull();
    }
    const editable = document.createElement("div");
    editable.setAttribute("contenteditable", "true");
    document.body.append(editable);
    expect(shortcutFor(key("k", editable))).toBeNull();
    expect(shortcutFor(key("k", document.body, { ctrlKey: true }))).toBeNull();
    expect(shortcutFor(key("ArrowLeft", document.body, { altKey: true }))).toBeNull();
    expect(shortcutFor(key("k", document.body, { defaultPrevented: true }))).toBeNull();
  });

  it("lets buttons keep Space, but not k", () => {
    const button = document.createElement("button");
    expect(shortcutFor(key(" ", button))).toBeNull();
    expect(shortcutFor(key("k", button))).toBe("toggle");
  });
});
