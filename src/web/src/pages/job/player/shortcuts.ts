/**
 * The player's keyboard shortcuts, as one function of a key event so that it can be tested
 * apart from the page: Space or k play/pause, j/← back 5 s, l/→ forward 5 s, < and > slower
 * and faster. Nothing fires while the user types (inputs, text areas, selects, contenteditable),
 * with Ctrl, Alt or Meta held, or for keys a focused control handles itself.
 */
import { stepSpeed } from "../transcript/model";

export const SEEK_STEP_S = 5;

export type ShortcutAction = "toggle" | "back" | "forward" | "slower" | "faster";

export function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable || target.closest("[contenteditable]:not([contenteditable='false'])")) return true;
  const tag = target.tagName;
  return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
}

/** Elements that answer Space (or arrows) themselves: buttons, links, summaries, players. */
function handlesKeyItself(target: EventTarget | null, key: string): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.tagName === "AUDIO" || target.tagName === "VIDEO") return true;
  if (key !== " ") return false;
  return Boolean(target.closest("button, a[href], summary, [role='button'], [role='link'], dialog"));
}

export function shortcutFor(event: Pick<KeyboardEvent, "key" | "ctrlKey" | "metaKey" | "altKey" | "target" | "defaultPrevented">): ShortcutAction | null {
  if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return null;
  if (isTypingTarget(event.target) || handlesKeyItself(event.target, event.key)) return null;
  switch (event.key) {
    case " ":
    case "k":
    case "K":
      return "toggle";
    case "j":
    case "J":
    case "ArrowLeft":
      return "back";
    case "l":
    case "L":
    case "ArrowRight":
      return "forward";
    case "<":
      return "slower";
    case ">":
      return "faster";
    default:
      return null;
  }
}

export function runShortcut(media: HTMLMediaElement, action: ShortcutAction): void {
  switch (action) {
    case "toggle":
      if (media.paused) void media.play().catch(() => undefined);
      else media.pause();
      break;
    case "back":
      media.currentTime = Math.max(0, media.currentTime - SEEK_STEP_S);
      break;
    case "forward": {
      const end = Number.isFinite(media.duration) ? media.duration : Infinity;
      media.currentTime = Math.min(end, media.currentTime + SEEK_STEP_S);
      break;
    }
    case "slower":
    case "faster": {
      const rate = stepSpeed(media.playbackRate, action === "faster" ? 1 : -1);
      media.defaultPlaybackRate = rate;
      media.playbackRate = rate;
      break;
    }
  }
}
