{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<p><a href="/me">Your account</a></p>
<h1>Delegation</h1>
<p class="help">While you are away, a delegate may approve or reject in your place. Their decisions are recorded
as made by them, <em>acting for</em> you. You still cannot approve a release you started, and neither can your delegate.</p>

<section class="card">
  <h2>Name a delegate</h2>
  <form method="post" action="/me/delegation" novalidate>
    <input type="hidden" name="csrf" value="{{CSRF}}">
    <div class="field">
      <label for="delegate">Delegate (username)</label>
      <input id="delegate" name="delegate" value="{{DELEGATE}}" required aria-describedby="delegate-error">
      <p class="error" id="delegate-error">{{ERR_DELEGATE}}</p>
    </div>
    <div class="field">
      <label for="starts">From (UTC date, YYYY-MM-DD)</label>
      <input id="starts" name="starts" value="{{STARTS}}" placeholder="2026-12-24" required aria-describedby="starts-error">
      <p class="error" id="starts-error">{{ERR_STARTS}}</p>
    </div>
    <div class="field">
      <label for="ends">Until (UTC date, inclusive)</label>
      <input id="ends" name="ends" value="{{ENDS}}" placeholder="2026-12-31" required aria-describedby="ends-error">
      <p class="error" id="ends-error">{{ERR_ENDS}}</p>
    </div>
    <button type="submit" class="primary">Save delegation</button>
  </form>
</section>

<h2>Your delegates</h2>
{{#NO_MINE}}<p class="empty">You have not named a delegate.</p>{{/NO_MINE}}
{{#MINE}}
<div class="card">
  <p><strong>{{NAME}}</strong> ({{USERNAME}}) · {{STARTS}} to {{ENDS}} · {{STATE}}</p>
  {{#CAN_END}}
  <form method="post" action="/me/delegation/{{ID}}/end">
    <input type="hidden" name="csrf" value="{{CSRF}}">
    <button type="submit" data-confirm="End this delegation now?">End now</button>
  </form>
  {{/CAN_END}}
</div>
{{/MINE}}

<h2>You decide for</h2>
{{#NO_FOR_OTHERS}}<p class="empty">Nobody has named you as their delegate.</p>{{/NO_FOR_OTHERS}}
{{#FOR_OTHERS}}<p>{{NAME}} · {{STARTS}} to {{ENDS}}</p>{{/FOR_OTHERS}}
{{>FOOTER}}
