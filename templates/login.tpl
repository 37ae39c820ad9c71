{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<section class="card narrow">
  <h1>Sign in to Holdpoint</h1>
  {{#MESSAGE}}<p class="alert" role="alert">{{MESSAGE}}</p>{{/MESSAGE}}
  {{#OIDC}}
  <p><a class="button primary" id="oidc-sign-in" href="/login/oidc?next={{NEXT:url_query_escape}}">Sign in with {{LABEL}}</a></p>
  {{/OIDC}}
  {{#OR}}<p class="or" aria-hidden="true"><span>or</span></p>{{/OR}}
  {{#PASSWORD_FORM}}
  <form method="post" action="/login" novalidate>
    <input type="hidden" name="next" value="{{NEXT}}">
    <input type="hidden" name="csrf" value="{{CSRF}}">
    <input type="hidden" name="tz" value="" data-browser-tz>
    <div class="field">
      <label for="username">{{USER_LABEL}}</label>
      <input id="username" name="username" value="{{USERNAME}}" autocomplete="username" required autofocus
             aria-describedby="username-error">
      <p class="error" id="username-error">{{ERR_USERNAME}}</p>
    </div>
    <div class="field">
      <label for="password">Password</label>
      <input id="password" name="password" type="password" autocomplete="current-password" required
             aria-describedby="password-error">
      <p class="error" id="password-error">{{ERR_PASSWORD}}</p>
    </div>
    <button type="submit" class="primary">Sign in</button>
    <p class="help"><a href="/login/reset">Forgot your password?</a></p>
  </form>
  {{/PASSWORD_FORM}}
  {{#BREAK_GLASS}}
  <details class="break-glass">
    <summary>Emergency administrator sign-in</summary>
    <p class="help">Only for the break-glass account, when the company's sign-in is down. Every use is audited.</p>
    <form method="post" action="/login" novalidate>
      <input type="hidden" name="next" value="{{NEXT}}">
      <input type="hidden" name="csrf" value="{{CSRF}}">
      <input type="hidden" name="tz" value="" data-browser-tz>
      <div class="field">
        <label for="username">Username</label>
        <input id="username" name="username" value="{{USERNAME}}" autocomplete="username" required
               aria-describedby="username-error">
        <p class="error" id="username-error">{{ERR_USERNAME}}</p>
      </div>
      <div class="field">
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required
               aria-describedby="password-error">
        <p class="error" id="password-error">{{ERR_PASSWORD}}</p>
      </div>
      <button type="submit">Sign in</button>
    </form>
  </details>
  {{/BREAK_GLASS}}
</section>
{{>FOOTER}}
