// Lighthouse audits of predict's pages, run by .ci/lighthouse.sh.
//
// One Lighthouse user flow in headless Chromium (puppeteer-core, which
// lighthouse ships): a navigation to the form "/", then a navigation that
// a person causes by filling the form with the keyboard and pressing the
// button (the result page of POST /predictdata, with the contributions),
// then a navigation to "/model/report"; then, at GENERIC_URL (a predict
// serving a model of a table that is not the student data), its form and
// its result page, filled from what the form itself offers (each drop-down's
// first level, each suggestion list's first suggestion, a number in each
// number box, a date in each date box). Each step is audited for
// accessibility and best practices. Every step must score 1 on both, or
// the script exits 1, after printing the scores and every audit that cost
// points. The HTML flow report goes to $OUT_DIR/lighthouse-flow.html.
//
// Environment: BASE_URL (http://127.0.0.1:PORT), GENERIC_URL (optional),
// CHROME_PATH, OUT_DIR.
// Nothing leaves the machine: the pages are on the loopback interface and
// Chromium runs with its background networking off.
import fs from 'node:fs';
import path from 'node:path';
import puppeteer from 'puppeteer-core';
import {startFlow} from 'lighthouse';

const base = process.env.BASE_URL;
const generic = process.env.GENERIC_URL;
const chrome = process.env.CHROME_PATH || '/usr/bin/chromium';
const outDir = process.env.OUT_DIR || '.';
if (!base) {
  console.error('flow.mjs: BASE_URL is not set');
  process.exit(2);
}

const categories = ['accessibility', 'best-practices'];
const config = {
  extends: 'lighthouse:default',
  settings: {
    onlyCategories: categories,
    // Local pages: no simulated slow network or CPU (the categories
    // audited here do not depend on speed).
    throttlingMethod: 'provided',
  },
};

const browser = await puppeteer.launch({
  executablePath: chrome,
  headless: true, // puppeteer-core's true is Chromium's --headless=new
  args: [
    '--headless=new',
    '--no-sandbox', // root in a container: the sandbox needs user namespaces
    '--disable-gpu',
    '--no-first-run',
    // The network is closed: keep Chromium from calling home.
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-domain-reliability',
    '--disable-quic',
  ],
});

let failed = false;
try {
  const page = await browser.newPage();
  const flow = await startFlow(page, {name: 'predict', config});

  await flow.navigate(`${base}/`, {name: 'form'});

  // Fill the form as a person would: focus each field and pick its
  // option, click into each score and type it, press Enter to submit.
  const choose = async (id, value) => {
    await page.focus(`#${id}`);
    await page.select(`#${id}`, value);
  };
  await choose('gender', 'female');
  await choose('ethnicity', 'group B');
  await choose('parental_level_of_education', "bachelor's degree");
  await choose('lunch', 'standard');
  await choose('test_preparation_course', 'none');
  for (const [id, v] of [['reading_score', '72'], ['writing_score', '74']]) {
    await page.click(`#${id}`, {count: 3});
    await page.keyboard.type(v);
  }
  await flow.navigate(async () => {
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  }, {name: 'result'});
  const shown = await page.$('#score');
  if (!shown) {
    console.error('flow.mjs: the page after submitting the form shows no #score');
    failed = true;
  }

  await flow.navigate(`${base}/model/report`, {name: 'report'});

  if (generic) {
    await flow.navigate(`${generic}/`, {name: 'generic form'});
    const fields = await page.$$eval('form select, form input', els => els.map(e => ({
      id: e.id,
      tag: e.tagName.toLowerCase(),
      type: e.type,
      option: e.tagName === 'SELECT' ? [...e.options].find(o => o.value)?.value
        : e.list ? e.list.options[0]?.value : undefined,
      min: e.min,
    })));
    for (const f of fields) {
      await page.focus(`#${f.id}`);
      if (f.tag === 'select') {
        await page.select(`#${f.id}`, f.option);
      } else if (f.type === 'date') {
        await page.$eval(`#${f.id}`, e => { e.value = '2021-03-04'; });
      } else {
        await page.keyboard.type(f.type === 'number' ? (f.min || '1') : f.option);
      }
    }
    await flow.navigate(async () => {
      await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    }, {name: 'generic result'});
    if (!(await page.$('#score'))) {
      console.error('flow.mjs: the generic model\'s page after submitting its form shows no #score');
      failed = true;
    }
  }

  const result = await flow.createFlowResult();
  fs.mkdirSync(outDir, {recursive: true});
  const html = await flow.generateReport();
  fs.writeFileSync(path.join(outDir, 'lighthouse-flow.html'), html);
  fs.writeFileSync(path.join(outDir, 'lighthouse-flow.json'), JSON.stringify(result, null, 1));

  for (const step of result.steps) {
    const lhr = step.lhr;
    const line = [step.name.padEnd(7), lhr.finalDisplayedUrl];
    for (const c of categories) {
      const cat = lhr.categories[c];
      const score = cat ? cat.score : null;
      line.push(`${c} ${score === null ? 'none' : score.toFixed(2)}`);
      if (score !== 1) failed = true;
    }
    console.log(line.join('  '));
    if (lhr.runtimeError) {
      console.log(`  runtime error: ${lhr.runtimeError.code}: ${lhr.runtimeError.message}`);
      failed = true;
    }
    for (const w of lhr.runWarnings || []) console.log(`  warning: ${w}`);
    for (const c of categories) {
      const cat = lhr.categories[c];
      if (!cat) continue;
      for (const ref of cat.auditRefs) {
        const a = lhr.audits[ref.id];
        if (ref.weight === 0 || a.score === null || a.score === 1) continue;
        console.log(`  FAIL ${c}/${a.id} (weight ${ref.weight}, score ${a.score}): ${a.title}`);
        if (a.explanation) console.log(`       ${a.explanation}`);
        for (const item of (a.details && a.details.items) || []) {
          const n = item.node || {};
          const what = n.snippet || item.description || item.url || item.source?.url || JSON.stringify(item).slice(0, 200);
          console.log(`       - ${what}${n.explanation ? ': ' + n.explanation.replace(/\s+/g, ' ') : ''}`);
        }
      }
    }
  }
} finally {
  await browser.close();
}
if (failed) {
  console.error('flow.mjs: accessibility and best practices must be 1.00 on every page (see above)');
  process.exit(1);
}
console.log('flow.mjs: accessibility and best practices 1.00 on every page');
