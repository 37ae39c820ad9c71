{{%AUTOESCAPE context="HTML"}}{{! Every file of an activity: filled by evidence_render_list (evidence.c). }}
<section class="card" id="evidence" aria-labelledby="evidence-title">
  <h2 id="evidence-title">Evidence</h2>
  {{#NO_FILES}}<p class="empty">No files uploaded.</p>{{/NO_FILES}}
  {{#FILES_HIDDEN}}<p class="muted">{{COUNT}} file(s) uploaded. {{WHO}}</p>{{/FILES_HIDDEN}}
  {{#HAS_FILES}}
  <div class="table-wrap" tabindex="0">
  <table class="evidence stack">
    <thead><tr><th scope="col">File</th><th scope="col">Type</th><th scope="col">Size</th>
      <th scope="col" class="hide-sm">SHA-256</th><th scope="col">Field</th><th scope="col">Uploaded by</th><th scope="col">When</th></tr></thead>
    <tbody>
    {{#FILE}}<tr>
      <td data-label="File"><a href="/evidence/{{FILE_ID}}">{{FILE_NAME}}</a>{{#PREVIEW}} <a class="small" href="/evidence/{{FILE_ID}}?inline=1">view</a>{{/PREVIEW}}</td>
      <td data-label="Type"><code>{{FILE_TYPE}}</code></td>
      <td data-label="Size" title="{{FILE_BYTES}} bytes">{{FILE_SIZE}}</td>
      <td data-label="SHA-256" class="hide-sm"><code class="mono small" title="{{FILE_SHA256}}">{{FILE_SHA256}}</code></td>
      <td data-label="Field">{{FILE_FIELD}} <span class="muted">(round {{FILE_ROUND}})</span></td>
      <td data-label="Uploaded by">{{FILE_WHO}}</td>
      <td data-label="When"><time datetime="{{FILE_ISO}}">{{FILE_UTC}}</time></td>
    </tr>{{/FILE}}
    </tbody>
  </table>
  </div>
  {{#MORE_FILES}}<p class="muted">Only the latest 1000 files are listed.</p>{{/MORE_FILES}}
  {{/HAS_FILES}}
  <p class="help">Downloads are recorded in the audit trail.</p>
</section>
