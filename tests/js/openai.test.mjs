// The official `openai` npm SDK against a real clawgate: tool loops, stream helpers and
// structured output, over both upstream protocols (see tests/py/test_js_clients.py).
import assert from "node:assert/strict";
import { test } from "node:test";
import OpenAI from "openai";
import { zodResponseFormat, zodTextFormat } from "openai/helpers/zod";
import { z } from "zod";

const client = new OpenAI({ baseURL: process.env.CLAWGATE_BASE_URL, apiKey: process.env.CLAWGATE_TOKEN, maxRetries: 0 });
const MODELS = process.env.CLAWGATE_MODELS.split(",");
const weatherParams = { type: "object", properties: { city: { type: "string" } }, required: ["city"] };
const chatTools = [{ type: "function", function: { name: "get_weather", description: "Current weather", parameters: weatherParams } }];
const weather = (city) => `sunny and 21C in ${city}`;
const City = z.object({ name: z.string(), population: z.number().int(), landmarks: z.array(z.string()) });

for (const model of MODELS) {
  test(`${model}: chat tool loop ends with an answer that uses the result`, async () => {
    const messages = [{ role: "user", content: "What is the weather in Paris?" }];
    const first = await client.chat.completions.create({ model, messages, tools: chatTools });
    assert.equal(first.choices[0].finish_reason, "tool_calls");
    const msg = first.choices[0].message;
    messages.push(msg);
    for (const call of msg.tool_calls) {
      messages.push({ role: "tool", tool_call_id: call.id, content: weather(JSON.parse(call.function.arguments).city) });
    }
    const second = await client.chat.completions.create({ model, messages, tools: chatTools });
    assert.equal(second.choices[0].finish_reason, "stop");
    assert.equal(second.choices[0].message.content, "The tool returned: sunny and 21C in San Francisco");
  });

  test(`${model}: runTools runs the whole loop with the stream helper`, async () => {
    const runner = client.chat.completions.runTools({
      model,
      stream: true,
      messages: [{ role: "user", content: "Weather in Rome?" }],
      tools: [{ type: "function", function: { name: "get_weather", parameters: weatherParams, parse: JSON.parse, function: ({ city }) => weather(city) } }],
    });
    assert.equal(await runner.finalContent(), "The tool returned: sunny and 21C in San Francisco");
    const calls = (await runner.allChatCompletions()).filter((c) => c.choices[0].finish_reason === "tool_calls");
    assert.equal(calls.length, 1);
  });

  test(`${model}: chat structured output parses with zodResponseFormat`, async () => {
    const r = await client.chat.completions.parse({
      model,
      messages: [{ role: "user", content: "Describe Paris." }],
      response_format: zodResponseFormat(City, "city"),
    });
    const city = r.choices[0].message.parsed;
    assert.equal(city.population, 1);
    assert.ok(city.landmarks.length > 0);
  });

  test(`${model}: responses tool loop and structured output`, async () => {
    const tools = [{ type: "function", name: "get_weather", parameters: weatherParams, strict: false }];
    const first = await client.responses.stream({ model, input: "Weather in Oslo?", tools }).finalResponse();
    assert.equal(first.status, "completed");
    const calls = first.output.filter((i) => i.type === "function_call");
    assert.equal(calls.length, 1);
    const follow = await client.responses.create({
      model,
      previous_response_id: first.id,
      tools,
      input: calls.map((c) => ({ type: "function_call_output", call_id: c.call_id, output: "-3C" })),
    });
    assert.equal(follow.output_text, "The tool returned: -3C");
    const parsed = await client.responses.parse({ model, input: "Describe Paris.", text: { format: zodTextFormat(City, "city") } });
    assert.equal(parsed.output_parsed.population, 1);
  });
}
