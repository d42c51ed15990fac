/// <reference types="vitest/config" />
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The build lands inside the Python package, which serves it (src/transcribe/web).
export default defineConfig({
  plugins: [react()],
  build: {
    outDir: "../transcribe/web/dist",
    emptyOutDir: true,
    assetsDir: "assets",
    sourcemap: false,
    target: "es2022",
  },
  server: {
    // `npm run dev` beside `just serve`: the API answers on its own port.
    proxy: Object.fromEntries(
      ["/auth", "/files", "/jobs", "/events", "/engine", "/usage", "/api-keys", "/webhook-endpoints", "/admin", "/shared", "/health", "/ready", "/schema"].map(
        (path) => [path, "http://127.0.0.1:8000"],
      ),
    ),
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.ts", "src/**/*.test.tsx"],
  },
});
