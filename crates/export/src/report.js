(function(){
'use strict';
// Sortable tables: a click on a header sorts by that column (again: reversed).
// Numeric columns sort by each cell's data-v.
document.querySelectorAll('table.sortable th[data-sort]').forEach(function(th){
  th.addEventListener('click',function(){
    var t=th.closest('table'),i=Array.prototype.indexOf.call(th.parentNode.children,th);
    var rows=Array.prototype.slice.call(t.querySelectorAll('tr[data-row]'));
    // First click: numbers largest first, text A to Z; then reversed.
    var num=th.dataset.sort==='num',dir=th.dataset.dir?(th.dataset.dir==='asc'?-1:1):(num?-1:1);
    th.dataset.dir=dir>0?'asc':'desc';
    rows.sort(function(a,b){
      var x=a.children[i],y=b.children[i];
      x=x.dataset.v!==undefined?x.dataset.v:x.textContent;y=y.dataset.v!==undefined?y.dataset.v:y.textContent;
      if(num){x=parseFloat(x);y=parseFloat(y);if(isNaN(x))x=-1;if(isNaN(y))y=-1;return (x-y)*dir;}
      return x<y?-dir:x>y?dir:0;
    });
    var parent=rows.length?rows[0].parentNode:t;
    rows.forEach(function(r){parent.appendChild(r);});
  });
});

var dataEl=document.getElementById('mg-data'),svg=document.getElementById('graph-svg');
if(!dataEl||!svg)return;
var data;
try{data=JSON.parse(dataEl.textContent);}catch(err){return;}
var SVGNS='http://www.w3.org/2000/svg';
var nodes=data.nodes||[],edges=data.edges||[];
var nodeById={},edgeByEl={},nodeByEl={};
nodes.forEach(function(n){n.g=document.getElementById(n.el);n.edges=[];nodeById[n.id]=n;nodeByEl[n.el]=n;});
edges.forEach(function(e){
  e.findings=e.findings||[];e.via_waypoint=e.via_waypoint||[];e.via_network_gateway=e.via_network_gateway||[];
  e.g=document.getElementById(e.el);edgeByEl[e.el]=e;
  var a=nodeById[e.from],b=nodeById[e.to];
  e.source_namespace=a?a.namespace:undefined;e.source_cluster=a?a.cluster:undefined;
  e.destination_namespace=b?b.namespace:undefined;e.destination_cluster=b?b.cluster:undefined;
  if(a)a.edges.push(e);
  if(b&&b!==a)b.edges.push(e);
  if(e.g){
    // A wide transparent stroke under the line: easier to hit.
    // (The built-in layout draws an edge as two lines, to and from its label.)
    Array.prototype.forEach.call(e.g.querySelectorAll('path'),function(p){
      var hit=document.createElementNS(SVGNS,'path');hit.setAttribute('d',p.getAttribute('d'));hit.setAttribute('class','mg-hit');p.parentNode.insertBefore(hit,p);});
  }
});

// Filters.
var fNs=document.getElementById('filter-namespace'),fCl=document.getElementById('filter-cluster'),
    fPr=document.getElementById('filter-protocol'),fFi=document.getElementById('filter-findings'),
    fCount=document.getElementById('filter-count'),panel=document.getElementById('edge-panel');
function fill(select,values){
  if(!select)return;
  Object.keys(values).sort().forEach(function(v){var o=document.createElement('option');o.value=v;o.textContent=v;select.appendChild(o);});
}
var nss={},cls={},prs={};
nodes.forEach(function(n){if(n.namespace)nss[n.namespace]=1;if(n.cluster)cls[n.cluster]=1;});
edges.forEach(function(e){prs[e.protocol]=1;});
fill(fNs,nss);fill(fCl,cls);fill(fPr,prs);
var clLabel=document.getElementById('filter-cluster-label');
if(clLabel&&!data.multi_cluster)clLabel.hidden=true;
var focus=null,selected=null;
function dim(g,on){if(g)g.classList.toggle('mg-dim',on);}
function apply(){
  var ns=fNs?fNs.value:'',cl=fCl?fCl.value:'',pr=fPr?fPr.value:'',fi=fFi?fFi.checked:false;
  var kept={},shown=0;
  edges.forEach(function(e){
    var ok=(!ns||e.source_namespace===ns||e.destination_namespace===ns)&&
      (!cl||e.source_cluster===cl||e.destination_cluster===cl)&&
      (!pr||e.protocol===pr)&&(!fi||e.findings.length>0)&&
      (!focus||e.from===focus.id||e.to===focus.id);
    if(ok){kept[e.from]=1;kept[e.to]=1;shown++;}
    dim(e.g,!ok);
  });
  // A node stays when a kept edge touches it, or when it is itself in the
  // namespace and cluster chosen (and no edge-only filter is on).
  var own=!pr&&!fi&&!focus;
  nodes.forEach(function(n){
    var ok=kept[n.id]===1||(own&&(!ns||n.namespace===ns)&&(!cl||n.cluster===cl))||(focus===n);
    dim(n.g,!ok);
  });
  if(fCount)fCount.textContent=shown+' of '+edges.length+' edges'+(focus?' of '+focus.id:'');
}
[fNs,fCl,fPr,fFi].forEach(function(x){if(x)x.addEventListener('change',apply);});
var clear=document.getElementById('filter-clear');
if(clear)clear.addEventListener('click',function(){
  if(fNs)fNs.value='';if(fCl)fCl.value='';if(fPr)fPr.value='';if(fFi)fFi.checked=false;
  focus=null;select(null);if(panel)panel.hidden=true;apply();
});
// The filters need the drawing's element ids (Graphviz copies them from the
// DOT source; the built-in layout writes them itself).
var bar=document.getElementById('graph-filters');
if(bar&&edges.some(function(e){return e.g;}))bar.hidden=false;

// History series of an edge, from the history section when present: rows of
// [from, to, [values per run] per column].
var hist;
function series(e){
  if(hist===undefined){
    hist={};
    var h=document.getElementById('mg-history');
    if(h){try{
      var doc=JSON.parse(h.textContent),cols=doc.columns||[];
      (doc.edges||[]).forEach(function(r){
        var s={};cols.forEach(function(c,i){s[c]=(r[2]||[])[i];});
        hist[r[0]+'\n'+r[1]]=s;
      });
    }catch(err){hist={};}}
  }
  return hist[e.from+'\n'+e.to]||null;
}
// Range series of an edge (report --range), from the Range section when
// present: rows of [from, to, requests per step, 5xx per step].
var rng;
function rangeSeries(e){
  if(rng===undefined){
    rng={};
    var r=document.getElementById('mg-range');
    if(r){try{
      var doc=JSON.parse(r.textContent);
      (doc.edges||[]).forEach(function(x){rng[x[0]+'\n'+x[1]]={rps:x[2]||[],errors:x[3]||[],hours:Math.round(((doc.end||0)-(doc.start||0))/3600)};});
    }catch(err){rng={};}}
  }
  return rng[e.from+'\n'+e.to]||null;
}
function spark(values){
  var W=120,H=26,s=document.createElementNS(SVGNS,'svg');
  s.setAttribute('class','spark');s.setAttribute('width',W);s.setAttribute('height',H);s.setAttribute('viewBox','0 0 '+W+' '+H);
  var max=0;values.forEach(function(v){if(typeof v==='number'&&isFinite(v)&&v>max)max=v;});
  var n=Math.max(values.length,2)-1,d='',up=true,last=null;
  values.forEach(function(v,i){
    if(typeof v!=='number'||!isFinite(v)){up=true;return;}
    var x=i*W/n,y=max>0?H-2-v/max*(H-4):H-2;
    d+=(up?'M':'L')+x.toFixed(1)+','+y.toFixed(1)+' ';up=false;
    if(i===values.length-1)last=[x,y];
  });
  if(d){var p=document.createElementNS(SVGNS,'path');p.setAttribute('d',d.trim());p.setAttribute('fill','none');p.setAttribute('stroke','currentColor');p.setAttribute('stroke-width','1.5');s.appendChild(p);}
  if(last){var c=document.createElementNS(SVGNS,'circle');c.setAttribute('cx',last[0].toFixed(1));c.setAttribute('cy',last[1].toFixed(1));c.setAttribute('r','2');c.setAttribute('fill','currentColor');s.appendChild(c);}
  return s;
}
function fixed(v,d){return typeof v==='number'?v.toFixed(d):'-';}
function pct(v,d){return typeof v==='number'?(v*100).toFixed(d)+'%':'-';}
function add(parent,tag,text){var x=document.createElement(tag);if(text!==undefined)x.textContent=text;parent.appendChild(x);return x;}
function row(table,name,value){var r=add(table,'tr');add(r,'th',name);var td=add(r,'td');if(typeof value==='string')td.textContent=value;else td.appendChild(value);return r;}
function select(g){
  if(selected)selected.classList.remove('mg-selected');
  selected=g;
  if(g)g.classList.add('mg-selected');
}
function where(ns,cl){return (cl?cl+' / ':'')+(ns||'-');}
function showEdge(e){
  if(!panel)return;
  select(e.g);
  panel.textContent='';panel.hidden=false;panel.dataset.edge=e.el;
  add(panel,'h3',e.from+' \u2192 '+e.to);
  var t=add(panel,'table');t.className='figures';
  row(t,'from',e.from);row(t,'to',e.to);
  row(t,'source namespace',where(e.source_namespace,e.source_cluster));
  row(t,'destination namespace',where(e.destination_namespace,e.destination_cluster));
  row(t,'protocol',e.protocol);
  row(t,'req/s',fixed(e.rps,2));
  row(t,'errors',pct(e.error_share,1));
  row(t,'p50 ms',fixed(e.p50_ms,0));
  row(t,'p99 ms',fixed(e.p99_ms,0));
  row(t,'mTLS',pct(e.mtls_share,0));
  if(typeof e.bytes_to_server_per_second==='number')row(t,'bytes/s to server',fixed(e.bytes_to_server_per_second,0));
  if(typeof e.bytes_to_client_per_second==='number')row(t,'bytes/s to client',fixed(e.bytes_to_client_per_second,0));
  if(e.via_waypoint.length)row(t,'via waypoint',e.via_waypoint.join(', '));
  if(e.via_network_gateway.length)row(t,'via network gateway',e.via_network_gateway.join(', '));
  var h=series(e);
  if(h){
    var st=add(panel,'table');st.className='history-series';
    [['req/s','rps'],['errors','error_rate'],['p99 ms','latency_p99_ms'],['mTLS','mtls']].forEach(function(k){
      if(h[k[1]])row(st,k[0]+' (last '+h[k[1]].length+' runs)',spark(h[k[1]]));
    });
  }
  var rs=rangeSeries(e);
  if(rs){
    var rt=add(panel,'table');rt.className='range-series';
    row(rt,'req/s (last '+rs.hours+'h)',spark(rs.rps));
    row(rt,'5xx/s (last '+rs.hours+'h)',spark(rs.errors));
  }
  add(panel,'h4','Findings');
  if(e.findings.length){
    var ul=add(panel,'ul');ul.className='edge-findings';
    e.findings.forEach(function(f){add(ul,'li',f.code+' ('+f.severity+')').className=f.severity;});
  }else add(panel,'p','none');
  if(e.explain){
    add(panel,'h4','meshgraph explain');add(panel,'pre',e.explain).className='explain';
    add(panel,'p','All of it: meshgraph explain '+e.from+' '+e.to).className='explain-command';
  }
}
function showNode(n){
  focus=focus===n?null:n;
  select(focus?n.g:null);
  if(panel){
    panel.textContent='';panel.hidden=!focus;
    if(focus){
      delete panel.dataset.edge;
      add(panel,'h3',n.id);
      var t=add(panel,'table');
      row(t,'kind',n.kind);row(t,'namespace',where(n.namespace,n.cluster));
      row(t,'edges',String(n.edges.length));
      add(panel,'p','Its edges are highlighted; click it again or "clear" to see all.');
    }
  }
  apply();
}

// A click (not the end of a drag) on an edge or a node.
var down=null,moved=false;
svg.addEventListener('pointerdown',function(ev){down={x:ev.clientX,y:ev.clientY};moved=false;},true);
svg.addEventListener('pointermove',function(ev){if(down&&Math.abs(ev.clientX-down.x)+Math.abs(ev.clientY-down.y)>4)moved=true;},true);
svg.addEventListener('pointerup',function(){down=null;},true);
svg.addEventListener('click',function(ev){
  if(moved){moved=false;return;}
  var t=ev.target;
  if(!t||t===svg||!t.closest)t=document.elementFromPoint(ev.clientX,ev.clientY);
  var g=t&&t.closest?t.closest('g.edge,g.node'):null;
  if(!g||!svg.contains(g))return;
  if(edgeByEl[g.id])showEdge(edgeByEl[g.id]);
  else if(nodeByEl[g.id])showNode(nodeByEl[g.id]);
});

// A row of the worst edges opens the same panel.
var byEnds={};
edges.forEach(function(e){byEnds[e.from+'\n'+e.to]=e;});
document.querySelectorAll('#worst-edges tr[data-row]').forEach(function(r){
  var e=byEnds[r.children[0].textContent+'\n'+r.children[1].textContent];
  if(!e)return;
  r.dataset.edge=e.el;
  r.addEventListener('click',function(){showEdge(e);if(panel&&panel.scrollIntoView)panel.scrollIntoView({block:'nearest'});});
});
apply();
})();
