"""The web app: its sources live in `src/web` (React, built by Vite into `dist/` here, which
git ignores and the wheel ships); `serving` answers its pages and files."""
