/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The Go server (`gatehouse serve`) embeds dist/ and serves it with a strict CSP:
// no inline scripts, everything from 'self'. Keep the build deterministic:
// hashed names under assets/, no timestamps, no absolute paths.
// Only this one Node global is needed; avoids pulling in @types/node.
declare const process: { env: Record<string, string | undefined> };
const apiTarget = process.env.GATEHOUSE_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react()],
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
    target: 'es2022',
    modulePreload: { polyfill: false },
    reportCompressedSize: true,
    chunkSizeWarningLimit: 600,
  },
  server: {
    host: '127.0.0.1',
    proxy: {
      '/api': { target: apiTarget, changeOrigin: false },
      '/healthz': { target: apiTarget },
    },
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['src/test/setup.ts'],
    css: false,
    restoreMocks: true,
    // Typing whole forms with user-event is slow on a 2-core machine.
    testTimeout: 20_000,
  },
});
