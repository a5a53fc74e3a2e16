/** `npm run serve`: starts serve mode and prints the URL to open in a browser. */
import { serve } from './serve.js';

const port = process.env.PORT ? Number(process.env.PORT) : undefined;
const { url } = await serve({ port });
process.stdout.write(`InfLLM Reader is serving at ${url}\n`);
