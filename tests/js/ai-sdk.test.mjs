// The Vercel AI SDK against a real clawgate: multi-step tool loops with generateText and
// streamText, and Output.object, on the Chat Completions and the Responses providers.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createOpenAI } from "@ai-sdk/openai";
import { generateText, Output, stepCountIs, streamText, tool } from "ai";
import { z } from "zod";

const provider = createOpenAI({ baseURL: process.env.CLAWGATE_BASE_URL, apiKey: process.env.CLAWGATE_TOKEN });
const MODELS = process.env.CLAWGATE_MODELS.split(",");
const tools = {
  get_weather: tool({
    description: "Current weather for a city",
    inputSchema: z.object({ city: z.string() }),
    execute: async ({ city }) => `sunny and 21C in ${city}`,
  }),
};
const City = z.object({ name: z.string(), population: z.number().int(), landmarks: z.array(z.string()) });

for (const model of MODELS) {
  for (const [api, make] of [["chat", (m) => provider.chat(m)], ["responses", (m) => provider.responses(m)]]) {
    test(`${model} ${api}: generateText runs the tool loop over several steps`, async () => {
      const r = await generateText({ model: make(model), prompt: "What is the weather in Paris?", tools, stopWhen: stepCountIs(4), maxRetries: 0 });
      assert.equal(r.steps.length, 2);
      assert.equal(r.steps[0].toolCalls[0].toolName, "get_weather");
      assert.match(r.text, /sunny and 21C in San Francisco/);
      assert.equal(r.finishReason, "stop");
    });

    test(`${model} ${api}: streamText runs the tool loop over several steps`, async () => {
      const r = streamText({ model: make(model), prompt: "Weather in Rome?", tools, stopWhen: stepCountIs(4), maxRetries: 0 });
      let text = "";
      for await (const delta of r.textStream) text += delta;
      assert.match(text, /sunny and 21C in San Francisco/);
      assert.equal((await r.steps).length, 2);
    });

    test(`${model} ${api}: Output.object returns the schema's object`, async () => {
      const r = await generateText({ model: make(model), prompt: "Describe Paris.", output: Output.object({ schema: City }), maxRetries: 0 });
      assert.equal(r.output.population, 1);
      assert.ok(r.output.landmarks.length > 0);
    });
  }
}
