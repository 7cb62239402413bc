import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'infra',
          include: ['test/infra/**/*.test.ts'],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'emulator',
          include: ['test/emulator/**/*.test.ts'],
          globalSetup: ['test/emulator/global-setup.ts'],
          // Clients must not probe the GCE metadata server for a project or credentials; ports built
          // with cloudPorts refuse what Google Cloud refuses (the emulators enforce no limits).
          env: { METADATA_SERVER_DETECTION: 'none', SLUICE_ENFORCE_CLOUD_LIMITS: '1' },
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
