{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<h1>Two-step sign-in</h1>
{{#FEDERATED}}
<section class="card">
  <p>You sign in through {{SOURCE}}. Two-step sign-in, if your company uses it, happens there:
     Holdpoint never sees your password.</p>
  <p><a href="/me">Back to your account</a></p>
</section>
{{/FEDERATED}}
{{#LOCAL}}
{{#MUST}}<p class="alert" role="alert">Your role requires two-step sign-in. Set it up to go on using Holdpoint.</p>{{/MUST}}
{{#CODES}}
<section class="card notice" id="recovery-codes" aria-labelledby="codes-title">
  <h2 id="codes-title">Your recovery codes</h2>
  <p><strong>Save them now: they will not be shown again.</strong> If you lose your phone, each code signs you in
     once instead of the app's code. Print them or keep them in a password manager.</p>
  <ol class="codes">{{#CODE}}<li>{{VALUE}}</li>{{/CODE}}</ol>
  <p><a class="button primary" href="/">I have saved them</a></p>
</section>
{{/CODES}}
{{#ON}}
<section class="card" aria-labelledby="on-title">
  <h2 id="on-title"><span class="badge s-completed">On</span> Two-step sign-in is on</h2>
  <p>Since {{SINCE}}. After your password, Holdpoint asks for the code your authenticator app shows.</p>
  <p>Recovery codes left: <strong id="codes-left">{{LEFT}}</strong>{{#FEW_LEFT}} — make new ones soon.{{/FEW_LEFT}}</p>
  <form method="post" action="/me/two-step" novalidate>
    <input type="hidden" name="csrf" value="{{CSRF}}">
    <input type="hidden" name="action" value="recovery">
    <div class="field">
      <label for="password">Your password</label>
      <input id="password" name="password" type="password" autocomplete="current-password" required aria-describedby="password-error">
      <p class="error" id="password-error">{{ERR_PASSWORD}}</p>
    </div>
    <button type="submit">Make new recovery codes</button>
    <button type="submit" formaction="/me/two-step/disable" class="danger"{{#REQUIRED}} disabled title="Your role requires two-step sign-in"{{/REQUIRED}}
            data-confirm="Turn two-step sign-in off? Your password alone will sign you in.">Turn off</button>
  </form>
  {{#REQUIRED}}<p class="help">Your role requires two-step sign-in: it cannot be turned off.</p>{{/REQUIRED}}
  <form method="post" action="/me/two-step" novalidate>
    <input type="hidden" name="csrf" value="{{CSRF}}">
    <input type="hidden" name="action" value="begin">
    <p class="help">New phone? Set up the app again; the old one works until the new one is confirmed.
      <button type="submit" class="link">Set up a new phone</button></p>
  </form>
</section>
{{/ON}}
{{#OFF}}
<section class="card" aria-labelledby="off-title">
  <h2 id="off-title">Two-step sign-in is off</h2>
  <p>With it on, a stolen password is not enough: signing in also needs the 6-digit code from an authenticator
     app on your phone (FreeOTP, Google Authenticator, Microsoft Authenticator, 1Password, …).</p>
  <form method="post" action="/me/two-step" novalidate>
    <input type="hidden" name="csrf" value="{{CSRF}}">
    <input type="hidden" name="action" value="begin">
    <button type="submit" class="primary">Set up two-step sign-in</button>
  </form>
</section>
{{/OFF}}
{{#SETUP}}
<section class="card" id="setup" aria-labelledby="setup-title">
  <h2 id="setup-title">{{#REPLACING}}Set up a new phone{{/REPLACING}}{{#FIRST}}Set up your authenticator app{{/FIRST}}</h2>
  <ol>
    <li>In the app, add an account and scan this code:
      <div class="qr-wrap">{{QR_SVG:none}}</div>
      or type this key: <code class="secret" id="totp-secret">{{SECRET}}</code>
      (or open <a href="{{URI}}">this link</a> on the phone).</li>
    <li>Type the 6-digit code the app now shows:</li>
  </ol>
  <form method="post" action="/me/two-step" novalidate>
    <input type="hidden" name="csrf" value="{{CSRF}}">
    <input type="hidden" name="action" value="confirm">
    <div class="field">
      <label for="code">Code from the app</label>
      <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="16" required
             aria-describedby="code-error">
      <p class="error" id="code-error">{{ERR_CODE}}</p>
    </div>
    <button type="submit" class="primary">Turn on two-step sign-in</button>
  </form>
</section>
{{/SETUP}}
{{/LOCAL}}
{{>FOOTER}}
